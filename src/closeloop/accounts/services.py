"""Use cases for analysts, security roles, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from closeloop.closure import Actor, AdminRight, Directory, InvalidInput, NotFound, Right
from closeloop.closure.rules import check_directory_change, require_text

from .models import Analyst, ApiToken, GeneralAccessRole, IpkRole, Membership

__all__ = [
    "DEFAULT_GENERAL_ACCESS_ROLES",
    "DEFAULT_IPK_ROLES",
    "ensure_default_roles",
    "get_analyst",
    "get_ipk_role",
    "get_access_role",
    "actor_in",
    "colleagues",
    "get_colleague",
    "add_analyst",
    "set_membership",
    "deactivate_analyst",
    "create_token",
    "revoke_token",
    "analyst_for_token",
]

DEFAULT_GENERAL_ACCESS_ROLES = {
    "Administrator": {"ipk_setup": True, "security_admin": True},
    "Standard": {},
}
DEFAULT_IPK_ROLES = {
    "Analyst": {"log": True, "resolve": True, "reassign": True},
    "Closer": {"log": True, "resolve": True, "reassign": True, "close": True},
    "Read only": {},
}


def ensure_default_roles() -> None:
    """Create the shipped roles if missing (never overwrites an admin's edits)."""
    for name, rights in DEFAULT_GENERAL_ACCESS_ROLES.items():
        GeneralAccessRole.objects.get_or_create(name=name, defaults=rights)
    for name, rights in DEFAULT_IPK_ROLES.items():
        IpkRole.objects.get_or_create(name=name, defaults=rights)


def get_analyst(username: str, field: str = "analyst") -> Analyst:
    analyst = Analyst.objects.filter(username=username).select_related("general_access_role").first()
    if analyst is None:
        raise NotFound(f"No analyst with user name {username!r}", field=field)
    return analyst


def colleagues(viewer: Analyst | None, partition_name: str | None = None) -> QuerySet[Analyst]:
    """Analysts working in the named partition, or in any the viewer works in, with their memberships
    and groups there only: never anyone, or any role, from a partition the viewer cannot read.
    The system operator, naming no partition, sees every analyst (also those in no partition yet)."""
    from closeloop.partitions.models import IpkGroup
    from closeloop.partitions.services import readable_partitions

    shared = readable_partitions(partition_name, viewer)
    everyone = viewer is None and not partition_name
    qs = Analyst.objects.all() if everyone else Analyst.objects.filter(memberships__partition__in=shared).distinct()
    return qs.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.filter(partition__in=shared).select_related(
            "partition", "ipk_role").order_by("partition__name")),
        Prefetch("ipk_groups", queryset=IpkGroup.objects.filter(partition__in=shared)))


def get_colleague(viewer: Analyst | None, username: str, field: str = "analyst") -> Analyst:
    """An analyst working in one of the viewer's partitions, by user name. Anyone else is refused
    exactly like a name nobody has, so a name cannot be tried to learn who works elsewhere."""
    from closeloop.partitions.models import Partition

    shared = Partition.objects.visible_to(viewer)
    analyst = Analyst.objects.filter(username=username, memberships__partition__in=shared).first()
    if analyst is None:
        raise NotFound(f"No analyst with user name {username!r} in your partitions", field=field)
    return analyst


def get_ipk_role(name: str) -> IpkRole:
    role = IpkRole.objects.filter(name__iexact=name).first()
    if role is None:
        names = ", ".join(IpkRole.objects.values_list("name", flat=True))
        raise NotFound(f"No IPK security role named {name!r} (roles: {names})", field="role")
    return role


def get_access_role(name: str) -> GeneralAccessRole:
    role = GeneralAccessRole.objects.filter(name__iexact=name).first()
    if role is None:
        names = ", ".join(GeneralAccessRole.objects.values_list("name", flat=True))
        raise NotFound(f"No General Access role named {name!r} (roles: {names})", field="access")
    return role


def actor_in(analyst: Analyst | None, partition_id: int, directory: Directory | None = None) -> Actor:
    """The analyst as the closure rules see them in one partition (None = the system operator).

    Services that have loaded the partition's directory pass it: the rights are read from it.
    """
    from closeloop.partitions.snapshot import remembered

    if analyst is None:
        return Actor.system()
    if not analyst.is_active:
        return Actor(analyst.id, analyst.username, frozenset())
    if directory is not None:
        candidate = directory.analysts.get(analyst.id)
        rights = candidate.rights if candidate is not None and candidate.active else frozenset()
        return Actor(analyst.id, analyst.username, rights)

    def read_rights() -> frozenset[Right]:
        membership = Membership.objects.filter(analyst=analyst, partition_id=partition_id).select_related(
            "ipk_role").first()
        return membership.ipk_role.rights if membership else frozenset()

    return Actor(analyst.id, analyst.username, remembered(("rights", analyst.id, partition_id), read_rights))


@transaction.atomic
def add_analyst(
    username: str,
    partition: object,
    ipk_role: IpkRole,
    *,
    groups: Iterable[object] = (),
    access_role: GeneralAccessRole | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    actor: Analyst | None = None,
) -> Analyst:
    """Create an analyst (or add an existing one to another partition) with a role and groups."""
    from closeloop.partitions.services import require_admin

    require_admin(actor, AdminRight.SECURITY_ADMIN)
    username = require_text(username, "username", "A user name")
    analyst = Analyst.objects.filter(username=username).first()
    if analyst is None:
        analyst = Analyst(username=username, first_name=first_name, last_name=last_name, email=email,
                          general_access_role=access_role or GeneralAccessRole.objects.get(name="Standard"))
        if password:
            try:
                validate_password(password, analyst)
            except ValidationError as exc:
                raise InvalidInput(" ".join(exc.messages), field="password") from exc
            analyst.set_password(password)
        else:
            analyst.set_unusable_password()
        analyst.save()
    elif access_role is not None:
        analyst.general_access_role = access_role
        analyst.save(update_fields=["general_access_role"])
    set_membership(analyst, partition, ipk_role, actor=actor)
    for group in groups:
        if group.partition_id != partition.pk:  # type: ignore[attr-defined]
            raise InvalidInput(f"Group {group} is not in partition {partition}", field="group")
        group.members.add(analyst)  # type: ignore[attr-defined]
    return analyst


@transaction.atomic
def set_membership(analyst: Analyst, partition: object, ipk_role: IpkRole,
                   actor: Analyst | None = None) -> Membership:
    """Give an analyst a role in a partition; refused if taking a right away strands a closure group."""
    from closeloop.calls.services import awaiting_closure, reroute_stranded_calls
    from closeloop.partitions.services import load_directory, load_settings, require_admin

    require_admin(actor, AdminRight.SECURITY_ADMIN)
    membership, created = Membership.objects.select_for_update().get_or_create(
        analyst=analyst, partition=partition, defaults={"ipk_role": ipk_role})
    if not created and membership.ipk_role_id != ipk_role.id:
        membership.ipk_role = ipk_role
        membership.save(update_fields=["ipk_role"])
        check_directory_change(load_settings(partition), load_directory(partition),  # type: ignore[arg-type]
                               f"Giving {analyst.username} the role {ipk_role.name}",
                               awaiting_closure(partition))  # type: ignore[arg-type]
        reroute_stranded_calls(partition, f"{analyst.username} now has role {ipk_role.name}")
    return membership


@transaction.atomic
def deactivate_analyst(analyst: Analyst, actor: Analyst | None = None) -> int:
    """Deactivate an analyst; refused if a closure group would lose its last closer.

    Calls already forwarded to them are re-routed along the fallback chain. Returns how many.
    """
    from closeloop.calls.services import awaiting_closure, reroute_stranded_calls
    from closeloop.partitions.models import Partition
    from closeloop.partitions.services import load_directory, load_settings, require_admin

    require_admin(actor, AdminRight.SECURITY_ADMIN)
    analyst = Analyst.objects.select_for_update().get(pk=analyst.pk)
    if not analyst.is_active:
        raise InvalidInput(f"{analyst.username} is already deactivated", field="analyst")
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    rerouted = 0
    for partition in Partition.objects.filter(memberships__analyst=analyst):
        check_directory_change(load_settings(partition), load_directory(partition),
                               f"Deactivating {analyst.username}", awaiting_closure(partition))
        rerouted += reroute_stranded_calls(partition, f"{analyst.username} was deactivated")
    return rerouted


TOKEN_USE_PRECISION = timedelta(minutes=5)


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(analyst: Analyst, name: str = "API token") -> tuple[ApiToken, str]:
    """A new personal API token; the secret is returned once and only its hash is stored."""
    name = require_text(name, "name", "A token name")
    key = "cl_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(analyst=analyst, name=name, prefix=key[:10], key_hash=_hash_token(key))
    return token, key


@transaction.atomic
def revoke_token(analyst: Analyst, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(analyst=analyst, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(f"{analyst.username} has no active API token #{token_id}", field="token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def analyst_for_token(key: str) -> Analyst | None:
    """The active analyst a bearer token belongs to, or None for an unknown or revoked token."""
    token = ApiToken.objects.filter(key_hash=_hash_token(key), revoked_at__isnull=True).select_related(
        "analyst", "analyst__general_access_role").first()
    if token is None or not token.analyst.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        # "last used" is kept to within a few minutes: not a database write on every request
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.analyst
