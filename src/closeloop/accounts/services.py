"""Use cases for analysts, security roles, memberships and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from closeloop.closure import Actor, AdminRight, Directory, InvalidInput, NotAllowed, NotFound, limits
from closeloop.closure.events import DeskEvent, DirectoryChanged, publish
from closeloop.prepared import prepared

from .models import Analyst, ApiToken, GeneralAccessRole, IpkRole, Membership

__all__ = [
    "DEFAULT_GENERAL_ACCESS_ROLES",
    "DEFAULT_IPK_ROLES",
    "ensure_default_roles",
    "require_admin",
    "get_analyst",
    "get_ipk_role",
    "get_access_role",
    "actor_in",
    "check_password",
    "set_password",
    "add_analyst",
    "set_membership",
    "deactivate_analyst",
    "locked_out_usernames",
    "unlock_analyst",
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


def require_admin(actor: Analyst | None, right: AdminRight) -> None:
    """Refuse unless the actor (None = system operator) holds an admin right; names the right."""
    if actor is not None and not actor.has_admin_right(right):
        raise NotAllowed(f"{actor.username} lacks the '{right.label}' right ({right.value}) of a "
                         "General Access role")


def get_analyst(username: str, field: str = "analyst") -> Analyst:
    analyst = Analyst.objects.filter(username=username).select_related("general_access_role").first()
    if analyst is None:
        raise NotFound(f"No analyst with user name {username!r}", field=field)
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


def actor_in(analyst: Analyst | None, partition_id: int, directory: Directory) -> Actor:
    """The analyst as the closure rules see them in one partition (None = the system operator).

    The rights are read from the partition's directory, the one the caller decides with.
    """
    if analyst is None:
        return Actor.system()
    candidate = directory.analysts.get(analyst.id)
    if not analyst.is_active or candidate is None or not candidate.active:
        return Actor(analyst.id, analyst.username, frozenset())
    return Actor(analyst.id, analyst.username, candidate.rights)


def check_password(password: str, analyst: Analyst | None = None) -> None:
    """Refuse a password the install's validators reject (too short, common, numeric, like the user name)."""
    try:
        validate_password(password, analyst)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc


def set_password(analyst: Analyst, password: str) -> None:
    """Give an analyst a new password (not saved here), once the validators accept it."""
    check_password(password, analyst)
    analyst.set_password(password)


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
    require_admin(actor, AdminRight.SECURITY_ADMIN)
    username = limits.USERNAME.clean(username)
    first_name, last_name = limits.FIRST_NAME.clean(first_name), limits.LAST_NAME.clean(last_name)
    email = limits.EMAIL.clean(email)
    analyst = Analyst.objects.filter(username=username).first()
    if analyst is None:
        analyst = Analyst(username=username, first_name=first_name, last_name=last_name, email=email,
                          general_access_role=access_role or GeneralAccessRole.objects.get(name="Standard"))
        if password:
            set_password(analyst, password)
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
        joined = f"{analyst.username} joined group {group}"
        publish(DirectoryChanged(DeskEvent.GROUP_MEMBER_ADDED, partition.pk,  # type: ignore[attr-defined]
                                 actor and actor.id, f"Adding {analyst.username} to group {group}", joined,
                                 {}, {f"{group}: new member": analyst.username}))
    return analyst


@transaction.atomic
def set_membership(analyst: Analyst, partition: object, ipk_role: IpkRole,
                   actor: Analyst | None = None) -> Membership:
    """Give an analyst a role in a partition; refused if taking a right away strands a closure group."""
    require_admin(actor, AdminRight.SECURITY_ADMIN)
    membership, created = Membership.objects.select_for_update().select_related("ipk_role").get_or_create(
        analyst=analyst, partition=partition, defaults={"ipk_role": ipk_role})
    if created:
        publish(DirectoryChanged(
            DeskEvent.ANALYST_JOINED, membership.partition_id, actor and actor.id,
            f"Adding {analyst.username} to the partition", f"{analyst.username} joined with role {ipk_role.name}",
            {}, {f"{analyst.username}: IPK role": ipk_role.name}))
    elif membership.ipk_role_id != ipk_role.id:
        before = membership.ipk_role.name
        membership.ipk_role = ipk_role
        membership.save(update_fields=["ipk_role"])
        publish(DirectoryChanged(
            DeskEvent.ANALYST_ROLE_CHANGED, membership.partition_id, actor and actor.id,
            f"Giving {analyst.username} the role {ipk_role.name}", f"{analyst.username} now has role {ipk_role.name}",
            {f"{analyst.username}: IPK role": before}, {f"{analyst.username}: IPK role": ipk_role.name}))
    return membership


@transaction.atomic
def deactivate_analyst(analyst: Analyst, actor: Analyst | None = None) -> int:
    """Deactivate an analyst; refused if a closure group would lose its last closer.

    Calls already forwarded to them are re-routed along the fallback chain. Returns how many.
    """
    require_admin(actor, AdminRight.SECURITY_ADMIN)
    analyst = Analyst.objects.select_for_update().get(pk=analyst.pk)
    if not analyst.is_active:
        raise InvalidInput(f"{analyst.username} is already deactivated", field="analyst")
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    moved = 0
    for partition_id in Membership.objects.filter(analyst=analyst).values_list("partition_id", flat=True):
        moved += publish(DirectoryChanged(
            DeskEvent.ANALYST_DEACTIVATED, partition_id, actor and actor.id, f"Deactivating {analyst.username}",
            f"{analyst.username} was deactivated", {f"{analyst.username}: active": True},
            {f"{analyst.username}: active": False}))
    return moved


def locked_out_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these analysts may not sign in now: too many failed sign-ins within the lockout time."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=since).values_list("username", flat=True))


@transaction.atomic
def unlock_analyst(analyst: Analyst, actor: Analyst | None = None) -> bool:
    """Let a locked-out analyst sign in again at once (forgets their failed sign-ins). False if not locked."""
    from axes.utils import reset

    require_admin(actor, AdminRight.SECURITY_ADMIN)
    was_locked = bool(locked_out_usernames([analyst.username]))
    reset(username=analyst.username)
    return was_locked


TOKEN_USE_PRECISION = timedelta(minutes=5)


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_token(analyst: Analyst, name: str = "API token") -> tuple[ApiToken, str]:
    """A new personal API token; the secret is returned once and only its hash is stored."""
    name = limits.TOKEN_NAME.clean(name)
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


_PROBE = "-"  # never a token's hash (those are 64 hex digits): stands for it while the SQL is built


def analyst_for_token(key: str, **annotations: Callable[[], Any]) -> Analyst | None:
    """The active analyst a bearer token belongs to, or None for an unknown or revoked token; `annotations`
    (name: a function giving the expression, such as the desk version's) are read in the same query and set on
    the analyst. A name must always stand for the same expression: the query is built once per process."""
    def lookup() -> QuerySet[ApiToken]:
        # unordered: a hash is unique, and compiling the tokens' default order costs more than the query
        return ApiToken.objects.filter(key_hash=_PROBE, revoked_at__isnull=True).select_related(
            "analyst", "analyst__general_access_role").annotate(
            **{name: expression() for name, expression in annotations.items()}).order_by()[:1]

    # its SQL built once per process (`closeloop.prepared`): only the hash changes
    token = prepared(f"accounts.token:{','.join(sorted(annotations))}", router.db_for_read(ApiToken), lookup,
                     key_hash=_PROBE).first(key_hash=_hash_token(key))
    if token is None or not token.analyst.is_active:
        return None
    for name in annotations:
        setattr(token.analyst, name, getattr(token, name))
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        # "last used" is kept to within a few minutes: not a database write on every request
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.analyst
