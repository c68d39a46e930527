"""The bulk action bar's form: the calls ticked in a list, one action, and the inputs that action needs.

The form only gathers input; the bulk service decides (a missing text or target is refused by it before any
call is touched, and its message is put on the field here).
"""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.accounts.models import Analyst
from closeloop.calls.bulk import BulkAction, clean_refs, closure_targets, offered_actions
from closeloop.closure import CloseloopError, InvalidInput, limits
from closeloop.partitions.kept import active_checklist
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition, RejectionCategory
from closeloop.partitions.services import load_directory

from .call_forms import _AnalystChoice, _analysts_in, _groups_in, _ReasonChoice, split_target
from .errors import refuse_in_form
from .fields import limited_text

__all__ = ["BulkForm"]

# The service's name of each input, per action, as this form names it (one form holds every action's fields).
_FORM_FIELD: dict[BulkAction, dict[str, str]] = {
    BulkAction.CLOSE: {"reason": "close_reason", "checklist": "ticked"},
    BulkAction.REJECT: {"reason": "reject_reason", "checklist": "ticked"},
    BulkAction.FORWARD: {"reason": "forward_reason", "to_analyst": "forward_to", "to_group": "forward_to"},
    BulkAction.ASSIGN: {"group": "assign_group", "analyst": "assign_analyst"},
}


class BulkForm(forms.Form):
    """Act on the selected calls: take, close, reject, forward or assign them, each call decided on its own."""

    refs = forms.MultipleChoiceField(label="Selected calls", required=False, widget=forms.CheckboxSelectMultiple)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(label="Action")
    # close
    close_reason = _ReasonChoice(label="Closure reason", queryset=ClosureReason.objects.none(), required=False,
                                 to_field_name="code", empty_label="- choose a reason -")
    comments = limited_text(limits.CLOSURE_COMMENTS, rows=2, label="Closure comments", required=False)
    ticked = forms.TypedMultipleChoiceField(label="Closure checklist (answered for every call)", coerce=int,
                                            required=False, widget=forms.CheckboxSelectMultiple)
    # reject
    reject_reason = limited_text(limits.REJECTION_REASON, rows=2, label="Why the resolutions are rejected",
                                 required=False)
    category = forms.ModelChoiceField(label="Rejection category", queryset=RejectionCategory.objects.none(),
                                      required=False, to_field_name="code", empty_label="- none -")
    # forward
    forward_to = forms.ChoiceField(label="Forward to", required=False)
    forward_reason = limited_text(limits.FORWARD_REASON, label="Reason for forwarding", required=False)
    # assign
    assign_group = forms.ModelChoiceField(label="Assign to group", queryset=IpkGroup.objects.none(), required=False,
                                          empty_label="- keep the group -")
    assign_analyst = _AnalystChoice(label="Assign to analyst", queryset=Analyst.objects.none(), required=False,
                                    empty_label="- nobody in particular -")

    def __init__(self, data: Any = None, *, partition: Partition, analyst: Analyst, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")  # the bar shares its page with the list's own forms
        super().__init__(data, **kwargs)
        self.partition, self.analyst = partition, analyst
        directory = load_directory(partition)  # read once for the rights and the closure targets
        self.offered = offered_actions(analyst, partition, directory)
        self.fields["action"].choices = [("", "- choose an action -"), *((a.value, a.label) for a in self.offered)]
        if data is not None:  # re-shown: the calls chosen stay ticked, and can be unticked
            self.fields["refs"].choices = [(r, r) for r in dict.fromkeys(data.getlist("refs"))]
        self.fields["close_reason"].queryset = ClosureReason.objects.filter(
            partition=partition, active=True, unresolved=False).order_by("label")
        self.fields["ticked"].choices = [(i.id, f"{i.text} (required)" if i.required else i.text)
                                         for i in active_checklist(partition.id)]
        self.fields["category"].queryset = RejectionCategory.objects.filter(partition=partition,
                                                                            active=True).order_by("label")
        if BulkAction.FORWARD in self.offered:
            analysts, groups = closure_targets(partition, directory)
            self.fields["forward_to"].choices = [("", "- choose who validates them -"),
                                                 ("Analysts", [(f"a:{i}", name) for i, name in analysts]),
                                                 ("Groups", [(f"g:{i}", name) for i, name in groups])]
        self.fields["assign_group"].queryset = _groups_in(partition)
        self.fields["assign_analyst"].queryset = _analysts_in(partition)

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """Each offered action's own fields, as (action, legend, fields): shown once the action is chosen."""
        names = {BulkAction.CLOSE: ("one reason and comments for all", ["close_reason", "comments", "ticked"]),
                 BulkAction.REJECT: ("one reason for all", ["reject_reason", "category"]),
                 BulkAction.FORWARD: ("where they go, and why", ["forward_to", "forward_reason"]),
                 BulkAction.ASSIGN: ("a group, an analyst, or both", ["assign_group", "assign_analyst"])}
        shown = [n for n in self.fields if n != "ticked" or self.fields["ticked"].choices]  # no checklist: no box
        return [(a.value, f"{a.label}: {legend}", [self[n] for n in fields if n in shown])
                for a, (legend, fields) in names.items() if a in self.offered]

    def clean_refs(self) -> list[str]:
        try:
            return clean_refs(self.cleaned_data.get("refs") or [])
        except InvalidInput as exc:
            empty = not any(r.strip() for r in self.cleaned_data.get("refs") or [])
            raise forms.ValidationError("Tick the calls to act on first" if empty else exc.message) from None

    def inputs(self) -> dict[str, Any]:
        """The service's inputs for the chosen action."""
        data, action = self.cleaned_data, BulkAction(self.cleaned_data["action"])
        if action is BulkAction.CLOSE:
            reason = data.get("close_reason")
            return {"comments": data["comments"], "reason": reason.code if reason else None,
                    "ticked": data.get("ticked") or []}
        if action is BulkAction.REJECT:
            category = data.get("category")
            return {"reason": data["reject_reason"], "category": category.code if category else None}
        if action is BulkAction.FORWARD:
            analyst_id, group_id = split_target(data["forward_to"]) if data.get("forward_to") else (None, None)
            return {"reason": data["forward_reason"],
                    "to_analyst": Analyst.objects.filter(pk=analyst_id).first() if analyst_id else None,
                    "to_group": IpkGroup.objects.filter(pk=group_id).first() if group_id else None}
        if action is BulkAction.ASSIGN:
            return {"group": data.get("assign_group"), "analyst": data.get("assign_analyst")}
        return {}

    def refuse(self, exc: CloseloopError) -> int:
        """Show the service's refusal of the whole request on the field it names here."""
        action = BulkAction(self.cleaned_data["action"])
        if exc.field:
            exc.field = _FORM_FIELD.get(action, {}).get(exc.field, exc.field)
        return refuse_in_form(self, exc)
