from django.urls import path

from consilium.navigation.views import day, home, patients, weights

app_name = "navigation"

urlpatterns = [
    path("", home.home, name="home"),
    path("calls.pdf", home.call_list, name="call_list"),
    path("day/", day.day_list, name="day"),
    path("lists/<str:key>/", home.section, name="section"),
    path("weights/", weights.weights, name="weights"),
    path("patients/<int:pk>/", patients.patient, name="patient"),
    path("patients/<int:pk>/plan/", patients.plan_new, name="plan_new"),
    path("patients/<int:pk>/plan/close/", patients.plan_close, name="plan_close"),
    path("patients/<int:pk>/visits/", patients.visit_new, name="visit_new"),
    path("patients/<int:pk>/profile/", patients.profile, name="profile"),
    path("patients/<int:pk>/contacts/", patients.contact_new, name="contact_new"),
    path("patients/<int:pk>/support/", patients.support_new, name="support_new"),
    path("patients/<int:pk>/family/", patients.family_new, name="family_new"),
    path("visits/<int:pk>/<str:action>/", patients.visit_action, name="visit_action"),
    path(
        "abandonments/<int:pk>/<str:action>/",
        home.abandonment_action,
        name="abandonment_action",
    ),
]
