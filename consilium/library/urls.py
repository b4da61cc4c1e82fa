from django.urls import path

from consilium.library.views import adoption, compliance, documents, sendouts, treatments

app_name = "library"

urlpatterns = [
    path("", documents.home, name="home"),
    path("documents/new/", documents.document_new, name="document_new"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("documents/<int:pk>/<str:action>/", documents.document_action, name="document_action"),
    path("versions/<int:pk>/", documents.version_detail, name="version"),
    path("versions/<int:pk>/files/<str:language>.pdf", documents.version_file, name="version_file"),
    path("versions/<int:pk>/<str:action>/", documents.version_action, name="version_action"),
    path("adoptions/<int:pk>/", adoption.adoption_detail, name="adoption"),
    path(
        "adoptions/<int:pk>/acknowledge/",
        adoption.adoption_acknowledge,
        name="adoption_acknowledge",
    ),
    path("adoptions/<int:pk>/remind/", adoption.adoption_remind, name="adoption_remind"),
    path("checklists/<int:pk>/", compliance.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/rounds/new/", compliance.round_new, name="round_new"),
    path("checklists/<int:pk>/compliance.csv", compliance.compliance_csv, name="compliance_csv"),
    path("sendouts/", sendouts.sendout_list, name="sendouts"),
    path("sendouts/new/", sendouts.sendout_new, name="sendout_new"),
    path("sendouts/<int:pk>/", sendouts.sendout_detail, name="sendout"),
    path("sendouts/<int:pk>/report.pdf", sendouts.sendout_report, name="sendout_report"),
    path("sendouts/<int:pk>/<str:action>/", sendouts.sendout_action, name="sendout_action"),
    path("treatments/", treatments.treatment_links, name="treatments"),
    path("treatments/<int:pk>/protocol/", treatments.treatment_link, name="treatment_link"),
]
