"""Analysts, their security roles and their memberships of partitions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from closeloop.closure import AdminRight, Right

__all__ = ["GeneralAccessRole", "IpkRole", "Analyst", "Membership", "ApiToken"]


class GeneralAccessRole(models.Model):
    """A global role that grants administration rights (IPK Setup, Security Admin) to analysts."""

    name = models.CharField(max_length=80, unique=True)
    ipk_setup = models.BooleanField(default=False, help_text="May change partition closure settings, "
                                    "closure reasons and IPK groups")
    security_admin = models.BooleanField(default=False, help_text="May manage analysts and roles")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rights(self) -> frozenset[AdminRight]:
        return frozenset(r for r in AdminRight if getattr(self, r.value))


class IpkRole(models.Model):
    """A call-rights role an analyst holds in a partition: log, resolve, close (Closure Comments), reassign."""

    name = models.CharField(max_length=80, unique=True)
    log = models.BooleanField(default=False)
    resolve = models.BooleanField(default=False)
    close = models.BooleanField(default=False, verbose_name="Closure Comments (close)")
    reassign = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "IPK security role"

    def __str__(self) -> str:
        return self.name

    @property
    def rights(self) -> frozenset[Right]:
        return frozenset(r for r in Right if getattr(self, r.value))


class Analyst(AbstractUser):
    """A member of service-desk staff who logs, works, resolves or closes calls."""

    general_access_role = models.ForeignKey(
        GeneralAccessRole, null=True, blank=True, on_delete=models.PROTECT, related_name="analysts"
    )
    # Signing out ends every session of the analyst: sessions live in signed cookies, so the server cannot
    # delete one; a session is valid only while this number is the one it was signed in with.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """What a signed-in session must carry: changes with the password and when the analyst signs out."""
        return salted_hmac("closeloop.Analyst.session", f"{self.password}:{self.session_epoch}", secret=secret,
                           algorithm="sha256").hexdigest()

    def has_admin_right(self, right: AdminRight) -> bool:
        """A General Access right; a deactivated analyst holds none, whatever their role says."""
        role = self.general_access_role
        return bool(self.is_active and role and right in role.rights)


class Membership(models.Model):
    """An analyst's place in one partition, with the IPK security role they hold there."""

    analyst = models.ForeignKey(Analyst, on_delete=models.CASCADE, related_name="memberships")
    partition = models.ForeignKey("partitions.Partition", on_delete=models.CASCADE,
                                  related_name="memberships")
    ipk_role = models.ForeignKey(IpkRole, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analyst", "partition"], name="one_membership_per_partition")]

    def __str__(self) -> str:
        return f"{self.analyst} in {self.partition} as {self.ipk_role}"


class ApiToken(models.Model):
    """A personal API token: acts with its analyst's rights. Only a hash of the secret is kept."""

    analyst = models.ForeignKey(Analyst, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True, help_text="Public start of the token, to tell tokens apart")
    key_hash = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
