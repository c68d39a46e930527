"""Forms of the System Administration pages; the services validate and audit every change."""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.accounts.models import Analyst, GeneralAccessRole, IpkRole
from closeloop.closure import CallType, ClosureMethod, ClosureRule, limits
from closeloop.partitions.models import ClosureReason, ClosureSettings, IpkGroup, Partition

from .fields import limited_text

__all__ = ["ClosureSettingsForm", "GroupForm", "MemberForm", "AnalystForm", "RoleForm", "ReasonForm",
           "ReasonTypesForm", "CALL_TYPE_CHOICES"]

CALL_TYPE_CHOICES = [(t.value, t.label) for t in CallType]
_METHODS = {
    ClosureMethod.IMMEDIATE: "Immediate - the resolver closes the call in one step",
    ClosureMethod.COMMENTS: "Comments - the resolver forwards it to a closing analyst or group",
    ClosureMethod.RULES: "Rules - the closure rule decides who validates it",
}
_RULES = {
    ClosureRule.LOGGED_BY: "Logged By - the analyst who logged the call",
    ClosureRule.LOG_GROUP: "Log Group - the group the call was logged under",
    ClosureRule.CLOSURE_GROUP: "Closure Group - the partition's Closure Group",
}


class ClosureSettingsForm(forms.Form):
    """IPK Settings (Partitioned): closure method, rule, group and switches, saved with a change reason."""

    closure_method = forms.ChoiceField(choices=[(m.value, label) for m, label in _METHODS.items()])
    closure_rule = forms.ChoiceField(choices=[(r.value, label) for r, label in _RULES.items()],
                                     help_text="Used under method Rules; every rule falls back to the "
                                               "Closure Group")
    closure_group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), required=False,
                                           empty_label="- no Closure Group -")
    require_independent_closer = forms.BooleanField(required=False,
                                                    help_text="The resolver may never close their own call")
    allow_designated_closer = forms.BooleanField(required=False,
                                                 help_text="Under Rules, the resolver may name the closer")
    closure_reason_required = forms.BooleanField(required=False,
                                                 help_text="Closing needs a reason linked to the call type")
    contact_required = forms.BooleanField(required=False, help_text="New calls must name their contact")
    acceptance_closes = forms.BooleanField(
        required=False, label="Contact's acceptance closes the call",
        help_text="Off: the closure group still closes, with the contact's confirmation shown")
    acceptance_reason = forms.ModelChoiceField(queryset=ClosureReason.objects.none(), required=False,
                                               to_field_name="code", empty_label="- none -",
                                               help_text="The closure reason of calls closed on the "
                                                         "contact's acceptance")
    resolver_may_close_unresolved = forms.BooleanField(
        required=False, label="Resolver may close as Closed/Unresolved",
        help_text="Besides closers, the analyst working a call may cancel it or close it as a duplicate")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    change_reason = limited_text(limits.CHANGE_REASON, rows=3, label="Change reason", required=False,
                                 help_text="Why this change is made; kept in the settings history")

    def __init__(self, *args: Any, row: ClosureSettings, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update({
            "closure_method": row.closure_method, "closure_rule": row.closure_rule,
            "closure_group": row.closure_group_id, "require_independent_closer": row.require_independent_closer,
            "allow_designated_closer": row.allow_designated_closer,
            "closure_reason_required": row.closure_reason_required, "contact_required": row.contact_required,
            "acceptance_closes": row.acceptance_closes,
            "acceptance_reason": row.acceptance_reason.code if row.acceptance_reason else None,
            "resolver_may_close_unresolved": row.resolver_may_close_unresolved, "expected_version": row.version})
        super().__init__(*args, **kwargs)
        self.fields["closure_group"].queryset = IpkGroup.objects.filter(
            partition=row.partition_id, active=True).order_by("name")
        self.fields["acceptance_reason"].queryset = ClosureReason.objects.filter(
            partition=row.partition_id, active=True, unresolved=False).order_by("code")

    def changes(self) -> dict[str, Any]:
        """The new values as keyword arguments of update_closure_settings."""
        names = ("closure_method", "closure_rule", "closure_group", "require_independent_closer",
                 "allow_designated_closer", "closure_reason_required", "contact_required", "acceptance_closes",
                 "acceptance_reason", "resolver_may_close_unresolved")
        return {name: self.cleaned_data[name] for name in names}


def _analysts_of(partition: Partition) -> Any:
    return Analyst.objects.filter(memberships__partition=partition).order_by("username")


class GroupForm(forms.Form):
    name = limited_text(limits.GROUP_NAME, label="Group name")
    members = forms.ModelMultipleChoiceField(queryset=Analyst.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, partition: Partition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = _analysts_of(partition).filter(is_active=True)


class MemberForm(forms.Form):
    """Add an analyst to a group, or take one out."""

    group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), widget=forms.HiddenInput)
    analyst = forms.ModelChoiceField(queryset=Analyst.objects.none())

    def __init__(self, *args: Any, partition: Partition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = IpkGroup.objects.filter(partition=partition)
        self.fields["analyst"].queryset = _analysts_of(partition)


class MailboxForm(forms.Form):
    """Set a group's own mailbox address, or clear it (blank)."""

    group = forms.ModelChoiceField(queryset=IpkGroup.objects.none(), widget=forms.HiddenInput)
    mailbox = limited_text(limits.EMAIL, label="Mailbox", widget=forms.EmailInput,
                           help_text="Its closure notices and reminders go here instead of to each closer; "
                                     "leave empty for none")

    def __init__(self, *args: Any, partition: Partition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = IpkGroup.objects.filter(partition=partition)


class AnalystForm(forms.Form):
    """Create an analyst in the current partition (or add an existing one to it)."""

    username = limited_text(limits.USERNAME, label="User name")
    first_name = limited_text(limits.FIRST_NAME)
    last_name = limited_text(limits.LAST_NAME)
    email = forms.EmailField(required=False, max_length=limits.EMAIL.max_length)
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False,
                               help_text="At least 12 characters, not a common password nor like the user name; "
                                         "leave empty for an API-only account")
    ipk_role = forms.ModelChoiceField(label="IPK security role", queryset=IpkRole.objects.order_by("name"))
    access_role = forms.ModelChoiceField(label="General Access role", required=False,
                                         queryset=GeneralAccessRole.objects.order_by("name"),
                                         empty_label="Standard (no administration rights)")
    groups = forms.ModelMultipleChoiceField(queryset=IpkGroup.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, partition: Partition, role_choices: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = IpkGroup.objects.filter(
            partition=partition, active=True).order_by("name")
        _offer_roles(self.fields["ipk_role"], role_choices)


def _offer_roles(field: forms.Field, role_choices: list[tuple[int, str]] | None) -> None:
    """Show the IPK roles read once for a page of forms (each form reading them again costs a query per form);
    the field still checks a posted role against the roles as they are then."""
    if role_choices is not None:
        empty = getattr(field, "empty_label", None)
        field.choices = ([("", empty)] if empty is not None else []) + role_choices  # type: ignore[attr-defined]


class RoleForm(forms.Form):
    """Change an analyst's IPK security role in the current partition."""

    analyst = forms.ModelChoiceField(queryset=Analyst.objects.none(), widget=forms.HiddenInput)
    ipk_role = forms.ModelChoiceField(label="IPK role", queryset=IpkRole.objects.order_by("name"))

    def __init__(self, *args: Any, partition: Partition, role_choices: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = _analysts_of(partition)
        _offer_roles(self.fields["ipk_role"], role_choices)


class ReasonForm(forms.Form):
    code = limited_text(limits.REASON_CODE, help_text="Short code, e.g. FIXED")
    label = limited_text(limits.REASON_LABEL)
    call_types = forms.MultipleChoiceField(label="Linked call types", choices=CALL_TYPE_CHOICES,
                                           widget=forms.CheckboxSelectMultiple)
    unresolved = forms.BooleanField(label="For Closed/Unresolved calls", required=False,
                                    help_text="Cancelled, duplicate or no response: offered when closing a call as "
                                              "unresolved, never for resolved calls")


class ReasonTypesForm(forms.Form):
    call_types = forms.MultipleChoiceField(label="Linked call types", choices=CALL_TYPE_CHOICES,
                                           widget=forms.CheckboxSelectMultiple)
