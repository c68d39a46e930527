"""My notifications: the analyst chooses which e-mails they want."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.closure import CloseloopError
from closeloop.closure.notices import ANALYST_KINDS
from closeloop.notifications.preferences import notification_preferences, set_notification_preferences

from ..errors import refuse_in_form

__all__ = ["my_notifications"]


class PreferencesForm(forms.Form):
    """One tick box per kind of e-mail; an unticked box turns the kind off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in ANALYST_KINDS:
            self.fields[kind.value] = forms.BooleanField(label=kind.label, help_text=kind.description,
                                                         required=False)


@login_required
def my_notifications(request: HttpRequest) -> HttpResponse:
    """The e-mails the signed-in analyst gets, and a form to choose them."""
    analyst = request.user
    current = {p.kind.value: p.enabled for p in notification_preferences(analyst)}
    form = PreferencesForm(request.POST or None, initial=current)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            set_notification_preferences(analyst, form.cleaned_data, actor=analyst)
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
        else:
            messages.success(request, "Your notification choices are saved.")
            return redirect("my-notifications")
    elif request.method == "POST":
        status = 400
    return render(request, "web/notifications.html", {"form": form}, status=status)
