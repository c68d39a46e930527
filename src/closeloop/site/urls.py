"""URL map: the web pages (System Administration is under /system/) and the REST API.

There is no Django admin site: it would change rows past the rules the services enforce.
"""

from django.urls import include, path

from closeloop.api.site import api

urlpatterns = [
    path("api/", api.urls),
    path("reports/", include("closeloop.reports.urls")),
    path("", include("closeloop.web.urls")),
]
