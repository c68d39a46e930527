"""Shared fixtures. Data is built through the services, never by poking rows."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.smtp import SmtpServer

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    """Hashing with Argon2 is deliberately slow; tests in this process use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _attachments_kept_out_of_the_working_copy(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Files attached by session- or module-wide data (the demo desk) go to a temporary folder, not var/."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("attachments")):
        yield


@pytest.fixture(autouse=True)
def _attachments_in_a_temporary_folder(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Files attached to calls go to this test's own folder, never to the working copy's var/."""
    settings.MEDIA_ROOT = tmp_path / "attachments"


@pytest.fixture(autouse=True, scope="session")
def _static_root_exists():  # type: ignore[no-untyped-def]
    """WhiteNoise warns (an error here) when STATIC_ROOT is missing, as it is before any collectstatic."""
    from pathlib import Path

    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def smtp(settings) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) on a free port recording what it receives, and the install configured to
    send to it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Closeloop Desk <desk@closeloop.test>"
    yield server
    server.stop()


@pytest.fixture
def desk(db):  # type: ignore[no-untyped-def]
    from tests.desk import build_desk

    return build_desk()


def using_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """`postgres` tests run only on PostgreSQL (make test runs the integration suite there too)."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: make test runs it with DATABASE_URL=postgresql://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
