"""Passwords are stored with Argon2id at OWASP's parameters (19 MiB, t=2, p=1); older hashes still sign in
and are rewritten with those parameters at that sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, make_password

from closeloop.accounts.hashers import OwaspArgon2PasswordHasher
from closeloop.accounts.models import Analyst
from tests.desk import PASSWORD


@pytest.fixture
def project_hashers(settings):  # type: ignore[no-untyped-def]
    """The hashers the site really uses (the test suite otherwise swaps in a fast one)."""
    from closeloop.site import settings as site_settings

    settings.PASSWORD_HASHERS = list(site_settings.PASSWORD_HASHERS)
    return settings.PASSWORD_HASHERS


def _params(encoded: str) -> str:
    return encoded.split("$")[3]  # argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash


def test_new_passwords_use_argon2id_at_owasps_19_mib_two_passes_one_lane(project_hashers):
    assert project_hashers[0] == "closeloop.accounts.hashers.OwaspArgon2PasswordHasher"
    encoded = make_password("a long enough password")
    assert encoded.startswith("argon2$argon2id$") and _params(encoded) == "m=19456,t=2,p=1"


@pytest.mark.parametrize("old_hasher", [Argon2PasswordHasher, PBKDF2PasswordHasher])
def test_a_password_hashed_with_older_parameters_signs_in_and_is_rehashed(desk, client, project_hashers,
                                                                        old_hasher):
    old = old_hasher().encode(PASSWORD, old_hasher().salt())
    Analyst.objects.filter(username="carol").update(password=old)
    reply = client.post("/login/", {"username": "carol", "password": PASSWORD})
    assert reply.status_code == 302 and client.get("/").status_code == 200
    stored = Analyst.objects.get(username="carol").password
    assert stored != old and _params(stored) == "m=19456,t=2,p=1"
    assert not OwaspArgon2PasswordHasher().must_update(stored)


def test_a_wrong_password_is_refused_and_leaves_the_old_hash_alone(desk, client, project_hashers):
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    Analyst.objects.filter(username="carol").update(password=old)
    reply = client.post("/login/", {"username": "carol", "password": "not the password at all"})
    assert reply.status_code == 200 and Analyst.objects.get(username="carol").password == old


def test_the_site_keeps_djangos_hashers_after_ours_so_stored_hashes_verify():
    from closeloop.site import settings as site_settings

    assert site_settings.PASSWORD_HASHERS[1:] == ["django.contrib.auth.hashers.Argon2PasswordHasher",
                                                  "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
