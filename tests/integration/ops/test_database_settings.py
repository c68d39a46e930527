"""The database settings made from DATABASE_URL: what each engine's connections are told."""

from __future__ import annotations

import pytest
from django.db import connection

from closeloop.site.settings import PG_RANDOM_PAGE_COST, _database


def test_postgresql_connections_cost_a_random_page_read_as_on_ssds(monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)
    config = _database("postgresql://closeloop@127.0.0.1:5432/closeloop")
    assert config["OPTIONS"] == {"options": f"-c random_page_cost={PG_RANDOM_PAGE_COST}"}


def test_an_operators_own_postgresql_options_are_kept(monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)
    given = _database("postgresql://closeloop@127.0.0.1:5432/closeloop?options=-c%20random_page_cost%3D4")
    assert given["OPTIONS"] == {"options": "-c random_page_cost=4"}
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=64MB")
    assert "options" not in _database("postgresql://closeloop@127.0.0.1:5432/closeloop")["OPTIONS"]


def test_sqlite_connections_get_no_postgresql_options():
    assert "options" not in _database("sqlite:////tmp/closeloop.sqlite3")["OPTIONS"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_running_postgresql_connection_has_the_setting():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == PG_RANDOM_PAGE_COST
