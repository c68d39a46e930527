"""`closeloop check`: is this install ready to serve? Django's deploy checks plus Closeloop's own.

Each problem says how to fix it. Ours: the database is reachable, every migration is applied, every
partition's closure settings can still route resolved calls, static files are collected when not in
debug mode, and a Content-Security-Policy that forbids inline scripts is sent with every page.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks as django_checks
from django.db import DatabaseError, connections

from closeloop.closure import CloseloopError

__all__ = ["Problem", "DeployNotReady", "content_security_policy", "deploy_problems", "check_deploy"]


@dataclass(frozen=True)
class Problem:
    """Something that would hurt in production, and how to fix it."""

    check: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}\n    fix: {self.fix}"


class DeployNotReady(CloseloopError):
    """The install is not ready to serve; the message lists each problem with its fix."""

    code = "configuration"


_SECURE_COOKIES = ("serve over HTTPS and list its host names in ALLOWED_HOSTS (cookies are then HTTPS-only), "
                   "or set CLOSELOOP_SECURE_COOKIES=1")
# Django's deploy checks name Django settings; say which Closeloop environment variable sets each.
_FIXES = {
    "security.W018": "unset CLOSELOOP_DEBUG or set CLOSELOOP_DEBUG=0 (debug is off unless asked for)",
    "security.W012": _SECURE_COOKIES,
    "security.W016": _SECURE_COOKIES,
    "security.W004": "once the site is only served over HTTPS, set CLOSELOOP_HSTS_SECONDS=31536000",
    "security.W008": "set CLOSELOOP_SSL_REDIRECT=1; behind a load balancer that ends TLS also set "
                     "CLOSELOOP_BEHIND_TLS_PROXY=1 so X-Forwarded-Proto is trusted",
    "security.W009": "set SECRET_KEY to a long random string: python3 -c 'import secrets; "
                     "print(secrets.token_urlsafe(50))'",
}

# HSTS for every subdomain and browser preload lists are decisions about the organisation's whole
# domain, not about this install, so `check` does not fail on them.
_DOMAIN_WIDE = {"security.W005", "security.W021"}


def _django_problems() -> list[Problem]:
    found = django_checks.run_checks(include_deployment_checks=True)
    return [Problem(m.id or "django", m.msg, _FIXES.get(m.id or "", m.hint or "see https://docs.djangoproject.com/"
                                                        "en/5.2/howto/deployment/checklist/"))
            for m in found if m.level >= django_checks.WARNING and not m.is_silenced() and m.id not in _DOMAIN_WIDE]


def _database_problems(alias: str, variable: str) -> list[Problem]:
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        return [Problem("database", f"{variable} ({alias}) is not reachable: {str(exc).strip()}",
                        f"start the database server or correct {variable}, e.g. "
                        "postgresql://closeloop:secret@db.example.com:5432/closeloop")]
    return []


def _migration_problems() -> list[Problem]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return []
    names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5]) + (" ..." if len(plan) > 5 else "")
    return [Problem("migrations", f"{len(plan)} migration(s) not applied: {names}",
                    "run `closeloop init` (it applies migrations and changes no existing data)")]


def _partition_problems() -> list[Problem]:
    from closeloop.closure.guards import settings_problem
    from closeloop.partitions.models import Partition
    from closeloop.partitions.services import load_directory, load_settings

    problems = []
    for partition in Partition.objects.order_by("name"):
        problem = settings_problem(load_settings(partition), load_directory(partition))
        if problem:
            name = shlex.quote(partition.name)
            problems.append(Problem("closure-settings", f"partition {partition.name}: {problem}",
                                    f"give the group an active closer (`closeloop group add-member {name} GROUP "
                                    f"USER` with a Closer) or change the settings (`closeloop settings set {name} "
                                    "--closure-group GROUP --change-reason 'WHY'`, see `closeloop settings set "
                                    "--help`)"))
    return problems


def _static_problems() -> list[Problem]:
    if settings.DEBUG:
        return []
    from django.contrib.staticfiles.finders import get_finders

    root = Path(settings.STATIC_ROOT)
    missing = [path for finder in get_finders() for path, _ in finder.list([])
               if not (root / path).is_file()]
    if not missing:
        return []
    return [Problem("static-files", f"{len(missing)} static file(s) not collected into {root} (e.g. {missing[0]})",
                    "run `DJANGO_SETTINGS_MODULE=closeloop.site.settings python -m django collectstatic "
                    "--noinput` (`closeloop serve` also collects them at start-up)")]


CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"


def content_security_policy() -> str:
    """The script sources the pages' Content-Security-Policy allows, or "" when no policy is sent."""
    directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES") or {}
    scripts = directives.get("script-src") or directives.get("default-src") or []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE or not scripts:
        return ""
    return "script-src " + " ".join(str(s) for s in scripts)


def _csp_problems() -> list[Problem]:
    policy = content_security_policy()
    if not policy:
        return [Problem("csp", "no Content-Security-Policy header is sent: an injected script would run",
                        f"keep {CSP_MIDDLEWARE} in MIDDLEWARE and CONTENT_SECURITY_POLICY in closeloop.site.settings")]
    if "'unsafe-inline'" in policy or "*" in policy.split():
        return [Problem("csp", f"the Content-Security-Policy allows inline or any scripts ({policy})",
                        "allow only 'self' (and nonces) in script-src")]
    return []


def deploy_problems() -> list[Problem]:
    """Every problem found; an empty list means ready to serve."""
    problems = _django_problems()
    database = _database_problems("default", "DATABASE_URL")
    problems += database
    if "reports" in settings.DATABASES:
        problems += _database_problems("reports", "REPORTS_DATABASE_URL")
    if not database:
        problems += _migration_problems()
        if not any(p.check == "migrations" for p in problems):
            problems += _partition_problems()
    return problems + _static_problems() + _csp_problems()


def check_deploy() -> list[str]:
    """The checks that ran, or DeployNotReady listing every problem with its fix."""
    problems = deploy_problems()
    if problems:
        raise DeployNotReady(f"{len(problems)} problem(s) to fix before serving:\n"
                             + "\n".join(str(p) for p in problems))
    ran = ["Django deploy checks", "database reachable", "migrations applied", "partition closure settings"]
    if "reports" in settings.DATABASES:
        ran.append("reports database reachable")
    if not settings.DEBUG:
        ran.append("static files collected")
    ran.append(f"Content-Security-Policy active ({content_security_policy()})")
    return ran
