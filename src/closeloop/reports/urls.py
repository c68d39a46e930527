"""URL map of the reports area (mounted under /reports/)."""

from django.urls import path

from . import quality_views, views

urlpatterns = [
    path("", views.report_index, name="reports"),
    path("quality/", quality_views.quality_settings, name="report-quality"),
    path("recurring/raise-problem/", views.problem_raise, name="report-raise-problem"),
    path("<slug:name>/", views.report_page, name="report"),
    path("<slug:name>/csv/", views.report_download, name="report-csv"),
]
