from django.urls import path

from consilium.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.patient_list, name="patient_list"),
    path("patients/new/", views.patient_new, name="patient_new"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/identity/", views.identity_edit, name="identity_edit"),
    path("patients/<int:pk>/consent/", views.consent_edit, name="consent_edit"),
    path("patients/<int:pk>/diagnoses/new/", views.diagnosis_new, name="diagnosis_new"),
    path(
        "patients/<int:pk>/diagnoses/<int:diagnosis_pk>/edit/",
        views.diagnosis_edit,
        name="diagnosis_edit",
    ),
    path(
        "patients/<int:pk>/diagnoses/<int:diagnosis_pk>/markers/new/",
        views.marker_new,
        name="marker_new",
    ),
    path("patients/<int:pk>/treatments/new/", views.treatment_new, name="treatment_new"),
    path("patients/<int:pk>/events/new/", views.event_new, name="event_new"),
    path(
        "patients/<int:pk>/events/<int:event_pk>/edit/",
        views.event_edit,
        name="event_edit",
    ),
    path("patients/<int:pk>/contacts/new/", views.contact_new, name="contact_new"),
    path("issues/<int:pk>/confirm/", views.issue_confirm, name="issue_confirm"),
    path("check/", views.check, name="check"),
    path("codes/", views.code_lookup, name="code_lookup"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/decide/", views.import_decide, name="import_decide"),
    path("import/codebook/", views.codebook_page, name="codebook"),
    path("import/template.xlsx", views.import_template, {"kind": "xlsx"}, name="template_xlsx"),
    path("import/template.zip", views.import_template, {"kind": "zip"}, name="template_zip"),
    path("quality/<str:code>/", views.quality_page, name="quality"),
    path("export/<str:code>.csv", views.export_csv, name="export_csv"),
    path("export/<str:code>.fhir.json", views.export_fhir, name="export_fhir"),
    path("export/<str:code>.xlsx", views.export_workbook, {"kind": "xlsx"}, name="export_xlsx"),
    path("export/<str:code>.zip", views.export_workbook, {"kind": "zip"}, name="export_zip"),
]
