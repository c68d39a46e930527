"""The form of the Call Auto Close page: one rule, saved with a change reason; the services check it."""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.autoclose.models import AutoCloseRule
from closeloop.closure import CallType, Status, limits
from closeloop.closure.autoclose import MAX_REMINDERS, WATCHABLE_STATUSES, Audience, Expiry
from closeloop.partitions.models import ClosureReason, IpkGroup, Partition

from .fields import limited_text

__all__ = ["AutoCloseRuleForm", "RuleStateForm"]

_STATUS_CHOICES = [(s.value, s.label) for s in Status if s in WATCHABLE_STATUSES]
_AUDIENCE_CHOICES = [(Audience.TARGET.value, "Closure target"), (Audience.CONTACT.value, "Contact")]
_PRIORITY_CHOICES = [(str(p), f"P{p}") for p in range(1, 5)]


class AutoCloseRuleForm(forms.Form):
    """A Call Auto Close rule: what it watches, how long a call may stay idle, reminders, and what happens then."""

    name = limited_text(limits.AUTO_CLOSE_RULE_NAME, label="Rule name")
    statuses = forms.MultipleChoiceField(choices=_STATUS_CHOICES, widget=forms.CheckboxSelectMultiple,
                                         label="Watched statuses")
    call_types = forms.MultipleChoiceField(choices=[(t.value, t.label) for t in CallType], required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text="None ticked: every call type")
    priorities = forms.MultipleChoiceField(choices=_PRIORITY_CHOICES, required=False,
                                           widget=forms.CheckboxSelectMultiple, help_text="None ticked: every priority")
    idle_days = forms.IntegerField(min_value=1, label="Idle time (days)",
                                   help_text="Days without any action on the call before the rule acts")
    business_days = forms.BooleanField(required=False, label="Count business days only (Monday to Friday)")
    expiry = forms.ChoiceField(choices=[(Expiry.CLOSE.value, "Close the call"),
                                        (Expiry.ESCALATE.value, "Escalate it to a group")], label="At expiry")
    reason = forms.ModelChoiceField(queryset=ClosureReason.objects.none(), required=False, to_field_name="code",
                                    empty_label="- none -", label="Closure reason",
                                    help_text="Closing: a reason for resolved calls, or for Closed/Unresolved if the "
                                              "rule watches On Hold")
    comments = limited_text(limits.AUTO_CLOSE_COMMENTS, rows=2, label="Closure comments",
                            help_text="Added after “Auto-closed by rule … after N days without a decision”")
    escalation_group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), required=False,
                                              to_field_name="name", empty_label="- none -")
    raise_priority = forms.IntegerField(min_value=0, max_value=3, required=False, initial=0,
                                        label="Raise the priority by (levels)")
    priority_to = forms.TypedChoiceField(choices=[("", "- keep -"), *_PRIORITY_CHOICES], required=False,
                                         coerce=int, empty_value=None, label="Or set the priority to")
    position = forms.IntegerField(min_value=0, required=False, label="Place in the order",
                                  help_text="The first active rule that matches a call applies (0 is first)")
    change_reason = limited_text(limits.CHANGE_REASON, rows=3, label="Change reason", required=False,
                                 help_text="Why this change is made; kept in the settings history")

    def __init__(self, *args: Any, partition: Partition, rule: AutoCloseRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            initial = kwargs.setdefault("initial", {})
            initial.update({
                "name": rule.name, "statuses": rule.statuses, "call_types": rule.call_types,
                "priorities": [str(p) for p in rule.priorities], "idle_days": rule.idle_days,
                "business_days": rule.business_days, "expiry": rule.expiry,
                "reason": rule.closure_reason.code if rule.closure_reason else None, "comments": rule.comments,
                "escalation_group": rule.escalation_group.name if rule.escalation_group else None,
                "raise_priority": rule.raise_priority, "priority_to": rule.priority_to, "position": rule.position})
            for n, reminder in enumerate(rule.reminders, start=1):
                initial.update({f"reminder_{n}_days": reminder["after_days"], f"reminder_{n}_to": reminder["to"]})
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_REMINDERS + 1):
            self.fields[f"reminder_{n}_days"] = forms.IntegerField(
                min_value=1, required=False, label=f"Reminder {n} after (days)",
                help_text="Leave empty for no reminder" if n == 1 else "")
            self.fields[f"reminder_{n}_to"] = forms.MultipleChoiceField(
                choices=_AUDIENCE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple,
                label=f"Reminder {n} to")
        self.order_fields(["name", "statuses", "call_types", "priorities", "idle_days", "business_days",
                           *[f"reminder_{n}_{part}" for n in range(1, MAX_REMINDERS + 1) for part in ("days", "to")],
                           "expiry", "reason", "comments", "escalation_group", "raise_priority", "priority_to",
                           "position", "change_reason"])
        self.fields["reason"].queryset = ClosureReason.objects.filter(partition=partition, active=True).order_by("code")
        self.fields["escalation_group"].queryset = IpkGroup.objects.filter(partition=partition,
                                                                           active=True).order_by("name")

    def values(self) -> dict[str, Any]:
        """The rule's fields as keyword arguments of add_rule / set_rule."""
        data = self.cleaned_data
        reminders = [{"after_days": data[f"reminder_{n}_days"], "to": data[f"reminder_{n}_to"] or ["target"]}
                     for n in range(1, MAX_REMINDERS + 1) if data.get(f"reminder_{n}_days")]
        values = {key: data[key] for key in ("name", "statuses", "call_types", "priorities", "idle_days",
                                             "business_days", "expiry", "reason", "comments", "escalation_group",
                                             "priority_to")}
        values["raise_priority"] = data["raise_priority"] or 0
        values["reminders"] = reminders
        if data.get("position") is not None:
            values["position"] = data["position"]
        return values


class RuleStateForm(forms.Form):
    """Deactivate or activate a rule, with the change reason."""

    change_reason = limited_text(limits.CHANGE_REASON, label="Change reason")
