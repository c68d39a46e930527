"""Forms of the reports pages: the period, raising a Problem, and the closure checklist and rejection
categories. They only collect text; the services validate it and say what to fix."""

from __future__ import annotations

from typing import Any

from django import forms

from closeloop.closure import limits
from closeloop.web.fields import limited_text

__all__ = ["PeriodForm", "ProblemForm", "ChecklistItemForm", "CategoryForm", "CategoryLabelForm"]


class PeriodForm(forms.Form):
    """The partition and dates of a report (`from`/`to`, as in the API and the CLI)."""

    def __init__(self, *args: Any, partitions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = partitions or []
        self.fields["partition"] = forms.ChoiceField(choices=[(n, n) for n in names], required=False)
        self.fields["from"] = forms.CharField(required=False, label="From",
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.CharField(required=False, label="To (included)",
                                            widget=forms.DateInput(attrs={"type": "date"}))


class ProblemForm(forms.Form):
    """Raise a Problem for one recurring issue: the calls come from the report, the summary from the closer."""

    refs = forms.CharField(widget=forms.HiddenInput)
    summary = limited_text(limits.SUMMARY, label="Problem summary")
    description = limited_text(limits.DESCRIPTION, rows=2)
    group = forms.ChoiceField(label="Group to work it", required=False,
                              help_text="The Problem is assigned to this group and waits in its queue")

    def __init__(self, *args: Any, groups: list[str] | None = None, default_group: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "- choose a group -"), *((name, name) for name in groups or [])]
        if default_group and not self.is_bound:
            self.initial["group"] = default_group

    def ref_list(self) -> list[str]:
        return str(self.cleaned_data["refs"]).split()


def _change_reason() -> forms.CharField:
    return limited_text(limits.CHANGE_REASON, required=False, label="Change reason",
                        help_text="Recorded in the audit trail with the list before and after")


class ChecklistItemForm(forms.Form):
    text = limited_text(limits.CHECKLIST_TEXT, required=False, label="Check")
    required = forms.BooleanField(required=False, initial=True, label="Required to close")
    answered_by_contact = forms.BooleanField(
        required=False, label="Answered by the contact's confirmation",
        help_text="Ticked for the closer when the contact accepts the resolution from the resolved e-mail")
    position = forms.IntegerField(required=False, min_value=1, label="Position")
    change_reason = _change_reason()


class CategoryForm(forms.Form):
    code = limited_text(limits.CATEGORY_CODE, required=False, help_text="No spaces, e.g. not_fixed")
    label = limited_text(limits.CATEGORY_LABEL, required=False)
    change_reason = _change_reason()


class CategoryLabelForm(forms.Form):
    label = limited_text(limits.CATEGORY_LABEL, required=False)
    change_reason = _change_reason()
