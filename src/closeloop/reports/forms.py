"""Forms of the reports pages: the period, raising a Problem, and the closure checklist and rejection
categories. They only collect text; the services validate it and say what to fix."""

from __future__ import annotations

from typing import Any

from django import forms

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
    summary = forms.CharField(max_length=200, label="Problem summary")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def ref_list(self) -> list[str]:
        return str(self.cleaned_data["refs"]).split()


def _change_reason() -> forms.CharField:
    return forms.CharField(required=False, label="Change reason",
                           help_text="Recorded in the audit trail with the list before and after")


class ChecklistItemForm(forms.Form):
    text = forms.CharField(required=False, max_length=200, label="Check")
    required = forms.BooleanField(required=False, initial=True, label="Required to close")
    position = forms.IntegerField(required=False, min_value=1, label="Position")
    change_reason = _change_reason()


class CategoryForm(forms.Form):
    code = forms.CharField(required=False, max_length=40, help_text="No spaces, e.g. not_fixed")
    label = forms.CharField(required=False, max_length=120)
    change_reason = _change_reason()


class CategoryLabelForm(forms.Form):
    label = forms.CharField(required=False, max_length=120)
    change_reason = _change_reason()
