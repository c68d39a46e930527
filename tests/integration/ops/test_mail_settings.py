"""E-mail configuration from environment variables: a bad value stops every command at start-up with the fix;
with no SMTP server configured, messages go to files in the var directory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .scratch import cli_env

SHOW = """
import django, json
django.setup()
from django.conf import settings
from closeloop.notifications.delivery import where_mail_goes
print(json.dumps({"backend": settings.EMAIL_BACKEND, "port": settings.EMAIL_PORT, "tls": settings.EMAIL_USE_TLS,
                  "from": settings.DEFAULT_FROM_EMAIL, "where": where_mail_goes()}))
"""


def _settings(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True, timeout=120, check=False,
                          env=cli_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", CLOSELOOP_VAR_DIR=str(tmp_path),
                                      DJANGO_SETTINGS_MODULE="closeloop.site.settings", **env))


def test_without_an_smtp_host_messages_are_written_to_the_mail_directory(tmp_path):
    done = _settings(tmp_path)
    shown = json.loads(done.stdout)
    assert shown["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert shown["where"].startswith(f"files in {tmp_path / 'mail'}") and "CLOSELOOP_SMTP_HOST" in shown["where"]


def test_an_smtp_server_with_starttls_defaults_to_the_submission_port(tmp_path):
    shown = json.loads(_settings(tmp_path, CLOSELOOP_SMTP_HOST="smtp.example.com", CLOSELOOP_SMTP_STARTTLS="1",
                                 CLOSELOOP_MAIL_FROM="Service Desk <desk@example.com>").stdout)
    assert (shown["backend"], shown["port"], shown["tls"]) == ("django.core.mail.backends.smtp.EmailBackend", 587,
                                                               True)
    assert shown["where"] == "the SMTP server smtp.example.com:587 with STARTTLS"
    assert shown["from"] == "Service Desk <desk@example.com>"


@pytest.mark.parametrize(("env", "fix"), [
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_PORT": "five"}, "CLOSELOOP_SMTP_PORT=587"),
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_PORT": "70000"}, "is not a port"),
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_STARTTLS": "maybe"}, "set it to 1/true/yes"),
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_STARTTLS": "1", "CLOSELOOP_SMTP_SSL": "1"},
     "set one"),
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_USER": "desk"}, "set both"),
    ({"CLOSELOOP_SMTP_HOST": "smtp.example.com", "CLOSELOOP_SMTP_USER": "desk", "CLOSELOOP_SMTP_PASSWORD": "pw"},
     "CLOSELOOP_SMTP_STARTTLS=1"),
    ({"CLOSELOOP_SMTP_STARTTLS": "1"}, "CLOSELOOP_SMTP_HOST=smtp.example.com"),
    ({"CLOSELOOP_MAIL_FROM": "the desk"}, "CLOSELOOP_MAIL_FROM='Service Desk <servicedesk@example.com>'"),
    ({"CLOSELOOP_SMTP_TIMEOUT": "0"}, "CLOSELOOP_SMTP_TIMEOUT=20"),
    ({"CLOSELOOP_OUTBOX_MAX_ATTEMPTS": "-1"}, "CLOSELOOP_OUTBOX_MAX_ATTEMPTS=10"),
])
def test_a_bad_mail_setting_stops_the_command_with_the_fix(tmp_path, env, fix):
    done = subprocess.run([sys.executable, "-m", "closeloop.cli.main", "tick"], capture_output=True, text=True,
                          timeout=120, check=False,
                          env=cli_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", CLOSELOOP_VAR_DIR=str(tmp_path), **env))
    assert done.returncode == 7, done.stderr
    assert fix in done.stderr
