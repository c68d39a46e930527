"""Contacts: the end users who report calls and confirm (or refuse) their resolution."""

from __future__ import annotations

from django.db import models

from closeloop.partitions.models import PartitionScopedQuerySet

__all__ = ["Contact"]


class Contact(models.Model):
    """A person who reports calls to the service desk (not an analyst): the desk acknowledges their call,
    tells them it is resolved, and asks them to accept or refuse the resolution."""

    objects = PartitionScopedQuerySet.as_manager()
    partition = models.ForeignKey("partitions.Partition", on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    organisation = models.CharField(max_length=120, blank=True, help_text="Organisation or department")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partition_id", "name", "id"]
        indexes = [models.Index(fields=["partition", "name"], name="contact_partition_name"),
                   models.Index(fields=["partition", "email"], name="contact_partition_email")]
        # One contact per e-mail address in a partition (addresses are stored in lower case); a contact
        # without an address (reached by phone) may share it with others.
        constraints = [models.UniqueConstraint(fields=["partition", "email"], condition=~models.Q(email=""),
                                               name="contact_one_per_email")]

    @property
    def label(self) -> str:
        """How pickers and lists name the contact: name, e-mail and organisation."""
        extra = ", ".join(x for x in (self.email, self.organisation) if x)
        return f"{self.name} ({extra})" if extra else self.name

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
