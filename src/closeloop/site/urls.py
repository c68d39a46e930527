"""URL map: the web pages, the admin site and (when present) the REST API."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("closeloop.web.urls")),
]
