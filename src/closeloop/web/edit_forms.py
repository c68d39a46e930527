"""Forms of call editing and of the partition's catalogue (priority matrix, categories).

The forms only gather input and offer valid choices; the services decide and refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy

from closeloop.calls.models import Call
from closeloop.closure import CallType, limits
from closeloop.closure.priority import PRIORITY_LABELS, Impact, Urgency
from closeloop.contacts.models import Contact
from closeloop.partitions.catalogue import CategoryNode, category_tree
from closeloop.partitions.models import Partition
from closeloop.partitions.services import load_directory

from .fields import limited_text

__all__ = ["IMPACT_CHOICES", "URGENCY_CHOICES", "category_choices", "EditCallForm", "MatrixForm",
           "CategoryAddForm", "CategoryRenameForm"]

IMPACT_CHOICES = [(i.value, i.label) for i in Impact]
URGENCY_CHOICES = [(u.value, u.label) for u in Urgency]
_INDENT = "\u00a0\u00a0\u00a0\u00a0"


def category_choices(nodes: list[CategoryNode], keep: int | None = None,
                     empty: str = "- no category -") -> list[tuple[Any, str]]:
    """The tree as an indented select: active categories, and the one a call already has (`keep`)."""
    return [("", empty)] + [(n.category.id, f"{_INDENT * n.depth}{n.category.name}")
                            for n in nodes if n.active or n.category.id == keep]


class ContactPicker(forms.Form):
    """The contact picker of *Log a call* and *Edit*: type part of a name or e-mail, pick one of the matches
    (htmx, or the Find button without JavaScript). An exact e-mail address typed and not picked is used."""

    contact_q = forms.CharField(label="Find the contact", required=False, max_length=limits.EMAIL.max_length,
                                widget=forms.TextInput(attrs={
                                    "type": "search", "autocomplete": "off", "hx-get": reverse_lazy("contact-choices"),
                                    "hx-trigger": "input changed delay:300ms, search", "hx-target": "#contact-choices",
                                    "hx-include": "#contact-choices"}))
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, widget=forms.RadioSelect,
                                     error_messages={"invalid_choice": "Pick a contact of this partition"})

    def __init__(self, *args: Any, partition: Partition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # inactive ones too: naming one is refused by the service, with its reason
        self.fields["contact"].queryset = Contact.objects.filter(partition=partition)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = (data.get("contact_q") or "").strip().lower()
        if data.get("contact") is None and "@" in typed:
            data["contact"] = self.fields["contact"].queryset.filter(email=typed).first()
        return data


class EditCallForm(ContactPicker):
    """Edit an open call: every field starts with the call's value; the service records what changed."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    summary = limited_text(limits.SUMMARY)
    description = limited_text(limits.DESCRIPTION, rows=4)
    call_type = forms.ChoiceField(label="Type", choices=[(t.value, t.label) for t in CallType])
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int,
                                    help_text="With urgency, sets the priority by the partition's matrix")
    urgency = forms.TypedChoiceField(choices=URGENCY_CHOICES, coerce=int)
    category = forms.TypedChoiceField(choices=[], coerce=int, empty_value=None, required=False)
    # the partition's active groups and the call's own, from its directory (a choice costs no query)
    log_group = forms.TypedChoiceField(choices=[], coerce=int, empty_value=None, required=False, error_messages={
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]})
    no_contact = forms.BooleanField(required=False, label="Remove the contact",
                                    help_text="The call names no contact any more (where contacts are optional)")

    field_order = ["summary", "description", "call_type", "impact", "urgency", "category", "contact_q",
                   "contact", "no_contact", "log_group"]

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        # what the analyst typed (the Find button re-shows it) over the call's values
        kwargs["initial"] = {
            "expected_version": call.version, "summary": call.summary, "description": call.description,
            "call_type": call.call_type, "impact": call.impact, "urgency": call.urgency,
            "category": call.category_id, "contact": call.contact_id, "log_group": call.log_group_id,
            **kwargs.get("initial", {})}
        partition: Partition = call.partition
        super().__init__(*args, partition=partition, **kwargs)
        self.call = call
        self.fields["category"].choices = category_choices(category_tree(partition), keep=call.category_id)
        directory = load_directory(partition)
        groups = [(g, name) for g, name in directory.group_names.items() if g in directory.groups
                  or g == call.log_group_id]
        self.fields["log_group"].choices = [("", "- none -"), *sorted(groups, key=lambda g: (g[1].casefold(), g[1]))]
        self.fields["contact_q"].help_text = (f"Now: {call.contact.name}. " if call.contact else "") + \
            "Type, then pick the person who reported the call; leave it empty to keep the contact."
        if call.contact_id is None:
            del self.fields["no_contact"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("no_contact") and data.get("contact") is not None and data["contact"].pk != self.call.contact_id:
            self.add_error("no_contact", "Pick another contact or remove the contact, not both")
        return data


class MatrixForm(forms.Form):
    """The 3×3 grid: a priority for each impact × urgency, and why it changes."""

    change_reason = limited_text(limits.CHANGE_REASON, rows=2, label="Change reason")

    def __init__(self, *args: Any, matrix: dict[tuple[int, int], int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for impact in Impact:
            for urgency in Urgency:
                name = f"p_{impact.value}_{urgency.value}"
                self.fields[name] = forms.TypedChoiceField(
                    label=f"Impact {impact.name.title()} × urgency {urgency.name.title()}",
                    choices=list(PRIORITY_LABELS.items()), coerce=int,
                    initial=matrix[(impact.value, urgency.value)])
        self.order_fields([f"p_{i.value}_{u.value}" for i in Impact for u in Urgency] + ["change_reason"])

    def cells(self) -> dict[str, int]:
        return {f"{i.value},{u.value}": self.cleaned_data[f"p_{i.value}_{u.value}"] for i in Impact for u in Urgency}

    def grid(self) -> list[tuple[str, list[Any]]]:
        """Rows of bound fields by impact, for the table."""
        return [(i.name.title(), [self[f"p_{i.value}_{u.value}"] for u in Urgency]) for i in Impact]


class CategoryAddForm(forms.Form):
    """A new category at the top level or under another."""

    name = forms.CharField(max_length=80)
    parent = forms.TypedChoiceField(choices=[], coerce=int, empty_value=None, required=False,
                                    label="Under")

    def __init__(self, *args: Any, nodes: list[CategoryNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = category_choices(nodes, empty="- the top level -")


class CategoryRenameForm(forms.Form):
    """A category's new name."""

    name = forms.CharField(max_length=80, label="New name")
