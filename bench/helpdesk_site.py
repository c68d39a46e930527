"""The django-helpdesk site the bench builds under var/bench (never committed): settings, URLs and a tool.

The tool runs with django-helpdesk's own venv python: `load N` bulk-loads N tickets shaped like a
Closeloop desk of N calls; `measure R` times its staff ticket list in-process, like ours.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_site"]

SETTINGS = '''
import os
import dj_database_url_shim as dbu

SECRET_KEY = "helpdesk-bench-secret-key-0123456789-0123456789-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hd_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": dbu.parse(os.environ["HELPDESK_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "/static/"
LOGIN_URL = "/helpdesk/login/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "handlers": {"console": {"class": "logging.StreamHandler"}},
           "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}}}
'''

DB_SHIM = '''
"""DATABASE_URL -> Django DATABASES entry, for the two engines the bench uses."""
from urllib.parse import urlparse


def parse(url):
    if url.startswith("sqlite:///"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite://"):],
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30,
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    parts = urlparse(url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"), "USER": parts.username or "",
            "PASSWORD": parts.password or "", "HOST": parts.hostname or "", "PORT": parts.port or "",
            "CONN_MAX_AGE": 60}
'''

WSGI = '''
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hd_settings")
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
'''

URLS = '''
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
'''

TOOL = '''
"""Load tickets into django-helpdesk and time its staff ticket list (run with its own venv)."""
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hd_settings")
import django

django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket

User = get_user_model()
PASSWORD = "bench-password-1"


def load(count, staff, queues):
    call_command("migrate", interactive=False, verbosity=0)
    if Ticket.objects.count() == count:
        return {"tickets": count, "reused": True}
    rng = random.Random(1)
    queue_rows = [Queue.objects.get_or_create(slug=f"q{i}", defaults={"title": f"Queue {i}",
                                               "email_address": f"q{i}@example.com"})[0] for i in range(queues)]
    users = []
    for i in range(staff):
        user, created = User.objects.get_or_create(username=f"staff{i:04d}", defaults={"is_staff": True})
        if created:
            user.set_password(PASSWORD)
            user.save()
        users.append(user)
    now = timezone.now()
    span = timedelta(days=3 * 365).total_seconds()
    weights = [1 / (rank + 1) for rank in range(len(users))]
    batch, followups = [], []
    for n in range(count):
        age = timedelta(seconds=rng.random() ** 0.8 * span)
        created = now - age
        recent = age < timedelta(weeks=8)
        status = (rng.choices([1, 3, 4], weights=[38, 17, 45])[0] if recent
                  else (4 if rng.random() > 0.015 else rng.choice([1, 3])))
        batch.append(Ticket(title=f"Ticket {n} laptop will not dock", queue=rng.choice(queue_rows),
                            created=created, modified=created + timedelta(hours=2), status=status,
                            submitter_email="user@example.com", description="Reported by phone.",
                            resolution="Replaced the dock firmware" if status != 1 else "",
                            priority=rng.choice([1, 2, 3, 3, 3, 4, 4]),
                            assigned_to=rng.choices(users, weights=weights)[0], secret_key=f"k{n}"))
        if len(batch) == 5000 or n == count - 1:
            saved = Ticket.objects.bulk_create(batch)
            for ticket in saved:
                steps = {1: 1, 3: 2, 4: 3}[ticket.status]
                for s in range(steps):
                    followups.append(FollowUp(ticket=ticket, date=ticket.created + timedelta(hours=s + 1),
                                              title="Updated", comment="Work in progress", public=False,
                                              user=ticket.assigned_to, new_status=[1, 3, 4][s]))
            FollowUp.objects.bulk_create(followups)
            batch, followups = [], []
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"tickets": Ticket.objects.count(), "followups": FollowUp.objects.count(), "reused": False}


def pct(samples):
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else ordered[0]
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def timed(fn, repeat):
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return pct(samples)


def measure(repeat):
    busiest = (Ticket.objects.filter(status__in=[1, 2]).values("assigned_to").order_by()
               .annotate(n=django.db.models.Count("id")).order_by("-n").first())
    user = User.objects.get(pk=busiest["assigned_to"])
    client = Client()
    client.force_login(user)
    page = client.get("/helpdesk/tickets/")
    assert page.status_code == 200, page.status_code
    data_url = re.search(r'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', page.content.decode()).group(1)
    query = "?draw=1&start=0&length=50"

    def get_page():
        assert client.get("/helpdesk/tickets/").status_code == 200

    def get_rows():
        response = client.get(data_url + query)
        assert response.status_code == 200, response.content[:300]

    rows = client.get(data_url + query).json()
    return {"open tickets": rows.get("recordsTotal"), "user": user.username,
            "ticket list page": timed(get_page, repeat), "ticket list rows (first 50)": timed(get_rows, repeat),
            "ticket list page + rows": timed(lambda: (get_page(), get_rows()), repeat)}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "load":
        print(json.dumps(load(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))))
    elif command == "accounts":
        staff = User.objects.filter(is_staff=True).order_by("id")[: int(sys.argv[2])]
        print(json.dumps({"users": [{"username": u.username, "id": u.id} for u in staff],
                          "queue": Queue.objects.order_by("id").first().id}))
    elif command == "measure":
        print(json.dumps(measure(int(sys.argv[2]))))
'''


def write_site(directory: Path) -> Path:
    """Write the helpdesk bench site into `directory` (recreated each run so it matches this code)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {"hd_settings.py": SETTINGS, "dj_database_url_shim.py": DB_SHIM, "hd_urls.py": URLS, "hd_wsgi.py": WSGI,
             "hd_tool.py": TOOL}
    for name, text in files.items():
        (directory / name).write_text(text.lstrip())
    return directory
