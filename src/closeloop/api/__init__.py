"""The REST API (django-ninja) under /api/: every endpoint calls the same services as the CLI and web."""
