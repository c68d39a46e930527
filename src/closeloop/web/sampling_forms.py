"""The Sampling policy form of System Administration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from closeloop.closure import CallType, limits
from closeloop.closure.priority import PRIORITY_LABELS
from closeloop.closure.sampling import MAX_FIRST_CALLS, SamplingPolicy

from .fields import limited_text

__all__ = ["SamplingPolicyForm"]


class SamplingPolicyForm(forms.Form):
    """The conditions that send a resolved call to its closure target for validation, and why they change."""

    enabled = forms.BooleanField(required=False, label="Sample resolved calls (off: every call is validated as "
                                                       "the closure settings say)")
    min_priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Validate every call at this priority or above",
        choices=[("", "- no priority condition -"), *PRIORITY_LABELS.items()])
    call_types = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple,
                                           label="Call types always validated",
                                           choices=[(t.value, t.label) for t in CallType])
    rejected_or_refused_before = forms.BooleanField(required=False,
                                                    label="Validate calls rejected or refused before")
    resolver_rejection_rate_above = forms.DecimalField(
        required=False, min_value=Decimal(0), max_value=Decimal(100), decimal_places=2,
        label="Validate calls of resolvers whose rejection rate over 30 days is above (%)",
        help_text="Leave empty for no such condition.")
    resolver_first_n = forms.IntegerField(min_value=0, max_value=MAX_FIRST_CALLS, initial=0,
                                          label="Validate each resolver's first calls (how many; 0: off)")
    random_percent = forms.DecimalField(min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, initial=0,
                                        label="Validate this share of every other call at random (%)",
                                        help_text="The draw is recorded on the call, so the decision can be "
                                                  "checked later.")
    # Asked for once the policy is checked and its preview shown; the service requires it when saving.
    change_reason = limited_text(limits.CHANGE_REASON, rows=2, label="Change reason", required=False,
                                 help_text="Why this change is made; kept in the settings history")

    @classmethod
    def initial_for(cls, policy: SamplingPolicy) -> dict[str, Any]:
        return {"enabled": policy.enabled, "min_priority": policy.min_priority,
                "call_types": sorted(t.value for t in policy.call_types),
                "rejected_or_refused_before": policy.rejected_or_refused_before,
                "resolver_rejection_rate_above": policy.resolver_rejection_rate_above,
                "resolver_first_n": policy.resolver_first_n, "random_percent": policy.random_percent}

    def values(self) -> dict[str, Any]:
        """The policy's fields as the service takes them."""
        data = self.cleaned_data
        rate = data["resolver_rejection_rate_above"]
        return {"enabled": data["enabled"], "min_priority": data["min_priority"],
                "call_types": data["call_types"], "rejected_or_refused_before": data["rejected_or_refused_before"],
                "resolver_rejection_rate_above": float(rate) if rate is not None else None,
                "resolver_first_n": data["resolver_first_n"], "random_percent": float(data["random_percent"])}
