"""WSGI entry point for gunicorn (`closeloop serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
application = get_wsgi_application()
