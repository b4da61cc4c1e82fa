from django.urls import path

from consilium.network import views

app_name = "network"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("people/", views.directory, name="directory"),
    path("people/absences/", views.absences, name="absences"),
    path("institutions/<str:code>/", views.institution_detail, name="institution"),
    path("institutions/<str:code>/edit/", views.institution_edit, name="institution_edit"),
    path("institutions/<str:code>/resources/", views.resources_edit, name="resources_edit"),
    path("partnerships/new/", views.partnership_new, name="partnership_new"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership"),
    path(
        "partnerships/<int:pk>/document/", views.partnership_document, name="partnership_document"
    ),
    path(
        "partnerships/<int:pk>/areas/<int:area_pk>/objectives/",
        views.area_objectives,
        name="area_objectives",
    ),
    path(
        "partnerships/<int:pk>/<str:action>/", views.partnership_action, name="partnership_action"
    ),
    path("milestones/<int:pk>/", views.milestone_update, name="milestone_update"),
]
