"""`closeloop check`: Django's deploy checks plus ours, each problem with how to fix it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from closeloop.closure import CloseloopError
from closeloop.ops.checks import DeployNotReady, check_deploy, deploy_problems
from closeloop.partitions.models import ClosureSettings, Partition

from .scratch import cli_env, closeloop

pytestmark = pytest.mark.django_db

PRODUCTION = {"CLOSELOOP_DEBUG": "0", "SECRET_KEY": "s" * 10 + "-production-secret-key-for-closeloop-tests-0123456789",
              "ALLOWED_HOSTS": "desk.example.com", "CLOSELOOP_SSL_REDIRECT": "1", "CLOSELOOP_BEHIND_TLS_PROXY": "1",
              "CLOSELOOP_HSTS_SECONDS": "31536000"}


def test_debug_mode_is_reported_with_the_variable_that_turns_it_off(desk, settings):
    settings.DEBUG = True
    with pytest.raises(DeployNotReady) as refused:
        check_deploy()
    assert "[security.W018]" in refused.value.message and "CLOSELOOP_DEBUG=0" in refused.value.message
    assert isinstance(refused.value, CloseloopError) and refused.value.code == "configuration"


def test_a_partition_whose_closure_group_lost_its_closers_is_reported(desk):
    ClosureSettings.objects.filter(partition=desk.default).update(closure_group=desk.network,
                                                                  require_independent_closer=False)
    desk.network.members.clear()  # as a bad import or a hand edit of the database could leave it
    problems = [p for p in deploy_problems() if p.check == "closure-settings"]
    assert len(problems) == 1
    assert "partition Default" in problems[0].message and "Network" in problems[0].message
    assert "`closeloop settings set Default --closure-group GROUP" in problems[0].fix


def test_the_commands_suggested_for_a_stranded_partition_are_real_commands(desk):
    import argparse
    import re
    import shlex

    from closeloop.cli.commands import build_parser

    class Strict(argparse.ArgumentParser):
        def error(self, message):  # type: ignore[no-untyped-def]
            raise AssertionError(message)

    partition = Partition.objects.create(name="Field Engineers' Desk")
    ClosureSettings.objects.create(partition=partition, closure_method="rules", closure_rule="closure_group")
    fix = next(p.fix for p in deploy_problems() if "Field Engineers' Desk" in p.message)
    suggested = [shlex.split(command) for command in re.findall(r"`closeloop ([^`]+)`", fix)]
    parsed = [build_parser(Strict).parse_args(argv) for argv in suggested if "--help" not in argv]
    assert [(a.handler.__name__, a.partition) for a in parsed] == [
        ("group_add_member", "Field Engineers' Desk"), ("settings_set", "Field Engineers' Desk")]


def test_a_production_install_with_everything_in_place_passes(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    env = {**PRODUCTION, "CLOSELOOP_VAR_DIR": str(tmp_path)}
    assert closeloop(url, "init", "--admin-password", "system-pass-123", **env).returncode == 0
    missing = closeloop(url, "check", "--json", **env)
    assert missing.returncode == 7
    message = json.loads(missing.stderr)["message"]
    assert "[static-files]" in message and "collectstatic" in message


    subprocess.run([sys.executable, "-m", "django", "collectstatic", "--noinput"], check=True, capture_output=True,
                   env=cli_env(url, DJANGO_SETTINGS_MODULE="closeloop.site.settings", **env))
    ready = closeloop(url, "check", "--json", **env)
    assert ready.returncode == 0, ready.stderr
    assert "static files collected" in json.loads(ready.stdout)["checks"]
    assert "Content-Security-Policy active (script-src 'self')" in json.loads(ready.stdout)["checks"]


def test_a_missing_content_security_policy_is_reported(desk, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    problems = [p for p in deploy_problems() if p.check == "csp"]
    assert len(problems) == 1 and "no Content-Security-Policy header is sent" in problems[0].message


def test_a_policy_allowing_inline_scripts_is_reported(desk, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"],
                                                       "script-src": ["'self'", "'unsafe-inline'"]}}
    problems = [p for p in deploy_problems() if p.check == "csp"]
    assert len(problems) == 1 and "allows inline or any scripts" in problems[0].message


def test_unapplied_migrations_are_reported_with_the_command_that_applies_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    done = closeloop(url, "check", **PRODUCTION, CLOSELOOP_VAR_DIR=str(tmp_path))
    assert done.returncode == 7 and "[migrations]" in done.stderr and "closeloop init" in done.stderr


def test_an_unreachable_database_is_reported_with_an_example_url(tmp_path):
    done = closeloop("postgresql://closeloop@127.0.0.1:9/nowhere", "check", CLOSELOOP_VAR_DIR=str(tmp_path))
    assert done.returncode == 7
    assert "DATABASE_URL (default) is not reachable" in done.stderr and "postgresql://" in done.stderr


def test_a_malformed_reports_database_url_names_the_variable(tmp_path):
    done = closeloop(f"sqlite:///{tmp_path / 'x.sqlite3'}", "check", REPORTS_DATABASE_URL="not a url",
                     CLOSELOOP_VAR_DIR=str(tmp_path))
    assert done.returncode == 7 and "REPORTS_DATABASE_URL='not a url' is not a database URL" in done.stderr
