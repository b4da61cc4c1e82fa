from django.urls import path

from consilium.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.page, name="page"),
    path("compare/", views.compare_file, name="compare_file"),
    path("aggregates/<str:code>.json", views.export_file, name="export_file"),
    path("survival.svg", views.chart_svg, name="chart_svg"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("<slug:table>.csv", views.table_csv, name="table_csv"),
]
