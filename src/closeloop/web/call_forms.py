"""Forms of the call pages: each one gathers the input of one use case and offers only valid choices.

The forms never decide anything: a refused action comes back from the service and is shown on
the form by `closeloop.web.errors.refuse_in_form`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import dateformat, timezone

from closeloop.accounts.models import Analyst
from closeloop.calls.models import Call
from closeloop.calls.services import close_input_problems, closure_choices
from closeloop.closure import CallType, InvalidInput, Right, limits
from closeloop.closure.unresolved import UnresolvedKind
from closeloop.partitions.catalogue import category_tree
from closeloop.partitions.kept import active_checklist
from closeloop.partitions.models import ChecklistItem, ClosureReason, IpkGroup, Partition, RejectionCategory
from closeloop.partitions.services import call_workers, load_directory

from .edit_forms import IMPACT_CHOICES, URGENCY_CHOICES, ContactPicker, category_choices
from .errors import refuse_in_form
from .fields import limited_text

__all__ = [
    "LogCallForm",
    "CallActionForm",
    "AssignForm",
    "ResolveForm",
    "ForwardForm",
    "CloseForm",
    "CloseUnresolvedForm",
    "RejectForm",
    "NoteForm",
    "split_target",
    "call_worker",
]


def _analysts_in(partition: Partition) -> QuerySet[Analyst]:
    """Assignee pickers list only the analysts who can work a call."""
    return call_workers(partition)


def _groups_in(partition: Partition) -> QuerySet[IpkGroup]:
    return IpkGroup.objects.filter(partition=partition, active=True).order_by("name")


def call_worker(ref: str, analyst_id: int, group_id: int | None) -> Analyst:
    """The analyst an assignment names, if the assignee picker offers them for the call: an active analyst with
    the Resolve right in its partition, a member of the group chosen (the use case checks the rest)."""
    workers = Analyst.objects.filter(pk=analyst_id, is_active=True, memberships__ipk_role__resolve=True,
                                     memberships__partition__calls__ref=ref.strip().upper())
    worker = (workers.filter(ipk_groups=group_id) if group_id is not None else workers).first()
    if worker is None:
        raise InvalidInput("Choose an analyst who can work the call (an active member with the Resolve right"
                           f"{' of the group chosen' if group_id is not None else ''})", field="analyst")
    return worker


class _AnalystChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.username})" if obj.get_full_name() else obj.username


class LogCallForm(ContactPicker):
    """Log a call in the current partition, optionally assigning it at once, naming who reported it."""

    call_type = forms.ChoiceField(label="Type", choices=[(t.value, t.label) for t in CallType])
    summary = limited_text(limits.SUMMARY)
    description = limited_text(limits.DESCRIPTION, rows=4)
    # not required: a form posted without them (an older page) logs the call medium × medium
    impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int, initial=2, required=False, empty_value=None,
                                    help_text="With urgency, sets the priority by the partition's matrix")
    urgency = forms.TypedChoiceField(choices=URGENCY_CHOICES, coerce=int, initial=2, required=False,
                                     empty_value=None)
    category = forms.TypedChoiceField(choices=[], coerce=int, empty_value=None, required=False)
    log_group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), required=False,
                                       help_text="One of your groups; under the Log Group rule it validates "
                                                 "the resolution")
    assigned_group = forms.ModelChoiceField(label="Assign to group", queryset=IpkGroup.objects.none(),
                                            required=False)
    assigned_analyst = _AnalystChoice(label="Assign to analyst", queryset=Analyst.objects.none(), required=False)

    field_order = ["call_type", "summary", "description", "impact", "urgency", "category", "log_group",
                   "assigned_group", "assigned_analyst", "contact_q", "contact"]

    def __init__(self, *args: Any, partition: Partition, analyst: Analyst, posted: bool = False,
                 **kwargs: Any) -> None:
        """`posted`: check what was posted against the partition's directory, as kept (no query; the use case
        checks the category); a form to show reads the choices with their labels."""
        super().__init__(*args, partition=partition, **kwargs)
        if posted:
            directory = load_directory(partition)
            groups = sorted(directory.groups, key=directory.group_name)
            workers = [a for a, c in directory.analysts.items() if c.active and Right.RESOLVE in c.rights]
            self.fields["log_group"] = _posted_id([g for g in groups if analyst.id in directory.groups[g]])
            self.fields["assigned_group"] = _posted_id(groups)
            self.fields["assigned_analyst"] = _posted_id(workers)
            self.fields["category"] = forms.IntegerField(required=False)
            return
        self.fields["log_group"].queryset = _groups_in(partition).filter(members=analyst)
        self.fields["category"].choices = category_choices(category_tree(partition))
        self.fields["assigned_group"].queryset = _groups_in(partition)
        self.fields["assigned_analyst"].queryset = _analysts_in(partition)


def _posted_id(ids: list[int]) -> forms.TypedChoiceField:
    """An optional pick among `ids`, refused as a model choice is."""
    refused = forms.ModelChoiceField.default_error_messages["invalid_choice"]
    return forms.TypedChoiceField(choices=[("", "")] + [(i, str(i)) for i in ids], coerce=int, empty_value=None,
                                  required=False, error_messages={"invalid_choice": refused})


class CallActionForm(forms.Form):
    """Every call action carries the version the analyst saw, so a stale page is refused.

    Built without the call (`call=None`, as posted), a form reads the action's input without the choices that
    need the call (its reasons, closers, groups, checklist): the use case checks those on the call it locks, and
    a refused action builds the form again with the call, which shows every problem as the page always has.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, call: Call | None, analyst: Analyst, **kwargs: Any) -> None:
        if call is not None:
            kwargs.setdefault("initial", {})["expected_version"] = call.version
        super().__init__(*args, **kwargs)
        self.call, self.analyst = call, analyst

    @property
    def posted(self) -> bool:
        """Built without the call: its choices are the use case's to check."""
        return self.call is None


def _as_posted(field: forms.Field) -> forms.Field:
    """A choice field read as posted: the reason's or category's code, a group's or analyst's id (as text)."""
    return forms.CharField(required=field.required, label=field.label)


class _PostedIds(forms.Field):
    """Ticked checklist items as posted: their ids."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if not all(str(v).strip().isdigit() for v in values):
            raise forms.ValidationError("Tick items from the list")
        return [int(v) for v in values]


class NoteForm(CallActionForm):
    """Take, hold and resume: an optional note."""

    reason = limited_text(limits.CALL_NOTE, label="Note")


def split_target(value: str) -> tuple[int | None, int | None]:
    """'a:12' names an analyst, 'g:3' a group (one select offers both)."""
    kind, _, raw = value.partition(":")
    if kind not in ("a", "g") or not raw.isdigit():
        raise forms.ValidationError("Choose an analyst or a group from the list")
    return (int(raw), None) if kind == "a" else (None, int(raw))


def _target_choices(analysts: list[tuple[int, str]], groups: list[tuple[int, str]]) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = []
    if analysts:
        choices.append(("Analysts", [(f"a:{a}", name) for a, name in analysts]))
    if groups:
        choices.append(("Groups", [(f"g:{g}", name) for g, name in groups]))
    return choices


class AssignForm(CallActionForm):
    group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), required=False)
    analyst = _AnalystChoice(queryset=Analyst.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.call is None:
            self.fields["group"] = forms.IntegerField(required=False)
            self.fields["analyst"] = forms.IntegerField(required=False)
            return
        self.fields["group"].queryset = _groups_in(self.call.partition)
        self.fields["analyst"].queryset = _analysts_in(self.call.partition)
        # choosing a group narrows the analysts offered to its members who can work the call
        self.fields["group"].widget.attrs.update({
            "hx-get": reverse("assignee-choices", args=[self.call.ref]), "hx-trigger": "change",
            "hx-target": f"#id_{self.add_prefix('analyst')}", "hx-swap": "innerHTML"})
        if self.is_bound:  # an analyst named within a group must be one of its members who can work the call
            raw = str(self.data.get(self.add_prefix("group")) or "").strip()
            chosen = self.fields["group"].queryset.filter(pk=raw).first() if raw.isdigit() else None
            if chosen is not None:
                self.fields["analyst"].queryset = call_workers(self.call.partition, chosen)
                self.fields["analyst"].error_messages["invalid_choice"] = (
                    f"Choose an analyst of {chosen.name} who can work the call (an active member with the "
                    "Resolve right)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("group") and not data.get("analyst"):
            raise forms.ValidationError("Choose a group, an analyst, or both")
        return data


def _reasons_for(call: Call, *, unresolved: bool = False) -> QuerySet[ClosureReason]:
    """The reasons a close may take: for resolved calls, or (`unresolved`) for Closed/Unresolved ones."""
    return ClosureReason.objects.filter(partition=call.partition_id, active=True, unresolved=unresolved,
                                        type_links__call_type=call.call_type).order_by("label")


class _ReasonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ResolveForm(CallActionForm):
    """Resolve: under `comments` the resolver picks the validator; under `rules` the rule routes it
    (or a designated closer when the partition allows one); under `immediate` it closes at once."""

    resolution = limited_text(limits.RESOLUTION, rows=3)
    closer = forms.ChoiceField(label="Closing analyst or group", required=False)
    reason = _ReasonChoice(label="Closure reason", queryset=ClosureReason.objects.none(), required=False,
                           to_field_name="code")

    def __init__(self, *args: Any, method: str | None, designated: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method
        if self.call is None:  # the method is the call's partition's: the use case applies it
            self.fields["closer"] = forms.CharField(required=False)
            self.fields["reason"] = _as_posted(self.fields["reason"])
            return
        if method == "comments":
            analysts, groups = closure_choices(self.call, self.analyst)
            self.fields["closer"].choices = [("", "- choose who validates it -"),
                                             *_target_choices(analysts, groups)]
            self.fields["closer"].required = True
        elif method == "rules" and designated:
            analysts, _ = closure_choices(self.call, self.analyst)
            self.fields["closer"].label = "Designated closer (optional)"
            self.fields["closer"].choices = [("", "- route by the closure rule -"),
                                             *_target_choices(analysts, [])]
        else:
            del self.fields["closer"]
        if method == "immediate":
            self.fields["reason"].queryset = _reasons_for(self.call)
        else:
            del self.fields["reason"]

    def clean_closer(self) -> tuple[int | None, int | None]:
        value = self.cleaned_data.get("closer") or ""
        return split_target(value) if value else (None, None)


class ForwardForm(CallActionForm):
    """Re-forward a call in the closure stage to another eligible analyst or group."""

    target = forms.ChoiceField(label="Forward to")
    reason = limited_text(limits.FORWARD_REASON, label="Reason for forwarding")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.call is None:
            self.fields["target"] = forms.CharField(label="Forward to")
            return
        analysts, groups = closure_choices(self.call, self.call.resolved_by_id)
        self.fields["target"].choices = [("", "- choose who validates it -"),
                                         *_target_choices(analysts, groups)]

    def clean_target(self) -> tuple[int | None, int | None]:
        return split_target(self.cleaned_data.get("target") or "")


class _ChecklistMixin(forms.Form):
    ticked = forms.TypedMultipleChoiceField(label="Closure checklist", coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def _checklist(self, call: Call | None) -> None:
        if call is None:
            self.fields["ticked"] = _PostedIds(required=False)
            return
        items = active_checklist(call.partition_id)
        if not items:
            del self.fields["ticked"]
            return
        confirmed = [i.id for i in items if i.answered_by_contact and call.user_confirmed_at is not None]
        self.fields["ticked"].choices = [(i.id, _item_label(i, call)) for i in items]
        if confirmed and not self.is_bound:
            self.initial["ticked"] = confirmed


def _item_label(item: ChecklistItem, call: Call) -> str:
    """An item as the closer sees it; one the contact answered says so once they accepted the resolution."""
    label = f"{item.text} (required)" if item.required else item.text
    if item.answered_by_contact and call.user_confirmed_at is not None:
        when = dateformat.format(timezone.localtime(call.user_confirmed_at), "j M Y H:i")
        return f"{label} — confirmed by the contact on {when}"
    if item.answered_by_contact:
        return f"{label} — ticked for you when the contact accepts the resolution"
    return label


class CloseForm(CallActionForm, _ChecklistMixin):
    """Validate and close: a reason linked to the call type, closure comments, the checklist ticked."""

    reason = _ReasonChoice(label="Closure reason", queryset=ClosureReason.objects.none(), required=False,
                           to_field_name="code", empty_label="- choose a reason -")
    comments = limited_text(limits.CLOSURE_COMMENTS, rows=3, label="Closure comments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._checklist(self.call)
        if self.call is None:
            self.fields["reason"] = _as_posted(self.fields["reason"])
            return
        self.fields["reason"].queryset = _reasons_for(self.call)

    def clean(self) -> dict[str, Any]:
        """Every problem at once: the reason and the checklist are checked even when the comments are missing."""
        data = super().clean() or {}
        if self.call is None or "reason" in self.errors or "ticked" in self.errors:
            return data
        reason = data.get("reason")
        for problem in close_input_problems(self.call, reason=reason.code if reason else None,
                                            ticked=data.get("ticked") or ()):
            refuse_in_form(self, problem)
        return data


class CloseUnresolvedForm(CallActionForm):
    """Close without a resolution: why (cancelled, a duplicate, no response), a reason for unresolved calls,
    closure comments, and for a duplicate the reference of the call it duplicates."""

    kind = forms.ChoiceField(label="Why", choices=[(k.value, k.label) for k in UnresolvedKind],
                             widget=forms.RadioSelect)
    duplicate_of = forms.CharField(label="Duplicate of (reference)", max_length=20, required=False,
                                   help_text="For a duplicate: the call it repeats, e.g. INC-000012")
    reason = _ReasonChoice(label="Closure reason", queryset=ClosureReason.objects.none(), required=False,
                           to_field_name="code", empty_label="- choose a reason -")
    comments = limited_text(limits.CLOSURE_COMMENTS, rows=3, label="Closure comments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.call is None:
            self.fields["reason"] = _as_posted(self.fields["reason"])
            return
        self.fields["reason"].queryset = _reasons_for(self.call, unresolved=True)


class RejectForm(CallActionForm, _ChecklistMixin):
    """Send the resolution back to the resolver with a reason (and, for reports, a category)."""

    reason = limited_text(limits.REJECTION_REASON, rows=2, label="Why the resolution is rejected")
    category = forms.ModelChoiceField(label="Rejection category", queryset=RejectionCategory.objects.none(),
                                      required=False, to_field_name="code", empty_label="- none -")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._checklist(self.call)
        if self.call is None:
            self.fields["category"] = _as_posted(self.fields["category"])
            return
        self.fields["category"].queryset = RejectionCategory.objects.filter(
            partition=self.call.partition_id, active=True).order_by("label")
