from django.urls import path

from consilium.consultations import draft_views, views

app_name = "consultations"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("turnaround/", views.turnaround, name="turnaround"),
    path("drafts/", draft_views.draft, name="draft"),
    path("kept/<str:key>/", draft_views.kept_post, name="kept"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report.pdf", views.report, name="report"),
    path("mail/held/<str:token>/", views.confirm_held, name="confirm_held"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/preview.png",
        views.attachment,
        {"preview": True},
        name="attachment_preview",
    ),
    path("<int:pk>/messages/<int:message_pk>/edit/", views.edit_message, name="edit_message"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
