"""Setting up a desk: the first run (`closeloop init`) and the health of an install."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction

from closeloop.accounts.models import Analyst, GeneralAccessRole, IpkRole
from closeloop.accounts.services import check_password, ensure_default_roles, set_membership, set_password
from closeloop.partitions.models import ClosureSettings, Partition

__all__ = ["DEFAULT_PARTITION", "InitResult", "init_desk", "migrate_database"]

DEFAULT_PARTITION = "Default"


@dataclass(frozen=True)
class InitResult:
    """What `init` did: whether it created the admin and, if it chose one, the password."""

    admin_username: str
    admin_created: bool
    admin_password: str | None


def migrate_database(verbosity: int = 0) -> None:
    call_command("migrate", interactive=False, verbosity=verbosity)


def init_desk(admin_password: str | None = None, admin_username: str = "admin") -> InitResult:
    """Migrate, then make sure the Default partition, the shipped roles and an administrator exist.

    A password the validators refuse is refused before anything is changed.
    """
    if admin_password:
        check_password(admin_password, Analyst(username=admin_username))
    migrate_database()
    with transaction.atomic():
        ensure_default_roles()
        partition, _ = Partition.objects.get_or_create(name=DEFAULT_PARTITION)
        ClosureSettings.objects.get_or_create(partition=partition)
        admin = Analyst.objects.filter(username=admin_username).first()
        created = admin is None
        chosen = None
        if admin is None:
            chosen = admin_password or secrets.token_urlsafe(12)
            admin = Analyst(username=admin_username,
                            general_access_role=GeneralAccessRole.objects.get(name="Administrator"))
            set_password(admin, chosen)
            admin.save()
        elif admin_password:
            set_password(admin, admin_password)
            admin.save(update_fields=["password"])
        set_membership(admin, partition, IpkRole.objects.get(name="Closer"))
    return InitResult(admin_username, created, chosen if created and not admin_password else None)
