from django.urls import path

from consilium.meetings import (
    agenda_views,
    board_views,
    desk_views,
    document_views,
    participant_views,
    views,
)

app_name = "meetings"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("new/", views.event_new, name="event_new"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("<int:pk>/programme/", views.programme, name="programme"),
    path("<int:pk>/programme/<str:action>/", views.programme_action, name="programme_action"),
    path("<int:pk>/event.ics", document_views.event_ics, name="event_ics"),
    path("<int:pk>/agenda/", agenda_views.agenda_page, name="agenda"),
    path("<int:pk>/agenda/<str:action>/", agenda_views.agenda_action, name="agenda_action"),
    path("cases/<int:pk>/propose/", agenda_views.propose_from_consultation, name="propose_case"),
    path("<int:pk>/present/<int:n>/", board_views.present, name="present"),
    path("<int:pk>/minutes.pdf", board_views.minutes, name="minutes"),
    path("<int:pk>/register/", participant_views.register, name="register"),
    path("<int:pk>/participants/", participant_views.participants, name="participants"),
    path(
        "<int:pk>/participants/<str:action>/",
        participant_views.participants_action,
        name="participants_action",
    ),
    path("<int:pk>/report/", document_views.report, name="report"),
    path("<int:pk>/report.<str:fmt>", document_views.report_download, name="report_download"),
    path("presentations/<int:pk>/slides.pdf", views.slides, name="slides"),
    path("presentations/<int:pk>/slides/", views.slides_upload, name="slides_upload"),
    path("registrations/<int:pk>/cancel/", participant_views.cancel, name="cancel"),
    path(
        "registrations/<int:pk>/certificate.pdf",
        document_views.certificate,
        name="certificate",
    ),
    path("<int:pk>/badges.pdf", desk_views.badges, name="badges"),
    path("<int:pk>/scan/<str:token>/", desk_views.scan, name="scan"),
    path("<int:pk>/certificates/mail/", desk_views.mail_certificates, name="mail_certificates"),
    path("<int:pk>/messages/", desk_views.announcements, name="announcements"),
    path("registrations/<int:pk>/badge.pdf", desk_views.badge, name="badge"),
    path("certificates/verify/", desk_views.verify_certificate, name="verify"),
    path(
        "certificates/verify/<str:code>/",
        desk_views.verify_certificate,
        name="verify_certificate",
    ),
    path("join/<str:token>/", participant_views.join, name="join"),
    path("series/new/", views.series_new, name="series_new"),
    path("series/<int:pk>/", views.series_detail, name="series"),
    path("series/<int:pk>/extend/", views.series_extend, name="series_extend"),
    path("series/<int:pk>/series.ics", document_views.series_ics, name="series_ics"),
    path("calendar/", document_views.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", document_views.feed_ics, name="feed"),
    path("training/", document_views.my_training, name="my_training"),
    path("training/partnerships/", document_views.training_overview, name="training_overview"),
    path(
        "training/partnerships/<int:pk>/",
        document_views.partnership_training,
        name="partnership_training",
    ),
]
