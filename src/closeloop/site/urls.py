"""URL map: the web pages, the admin site and (when present) the REST API."""

from django.contrib import admin
from django.urls import include, path

from closeloop.api.site import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("reports/", include("closeloop.reports.urls")),
    path("", include("closeloop.web.urls")),
]
