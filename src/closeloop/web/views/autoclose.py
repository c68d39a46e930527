"""System Administration: Call Auto Close. List a partition's rules (with how many calls each matches now),
add, edit, deactivate or activate one in two steps: checked, with the preview of what the rules would do after
the change, then saved with a change reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from closeloop.accounts.models import Analyst
from closeloop.autoclose import services as autoclose
from closeloop.autoclose.models import AutoCloseRule
from closeloop.closure import AdminRight, CloseloopError, NotFound
from closeloop.partitions import services as partitions
from closeloop.partitions.models import Partition

from ..autoclose_forms import AutoCloseRuleForm, RuleStateForm
from ..desk_context import current_partition
from ..errors import refusals_as_http, refuse_in_form

__all__ = ["auto_close_rules", "auto_close_rule"]

CHECKING = "checking the change"


def _admin_page(request: HttpRequest) -> tuple[Analyst, Partition]:
    analyst: Analyst = request.user  # type: ignore[assignment]
    partitions.require_admin(analyst, AdminRight.IPK_SETUP)
    return analyst, current_partition(request)


def _rule(partition: Partition, rule_id: int | str | None) -> AutoCloseRule:
    rule = autoclose.list_rules(None).filter(partition=partition, pk=rule_id or 0).first()
    if rule is None:
        raise NotFound("No such Call Auto Close rule in this partition", field="rule")
    return rule


@login_required
@refusals_as_http
def auto_close_rules(request: HttpRequest) -> HttpResponse:
    """The partition's rules in the order they are tried; a new rule is added below them."""
    analyst, partition = _admin_page(request)
    state: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and request.POST.get("op") in ("deactivate", "activate"):
        rule = _rule(partition, request.POST.get("rule"))
        state, status = _change_state(request, analyst, rule)
        if state is None:
            return redirect("system-autoclose")
    rules = list(autoclose.list_rules(analyst, partition.name))
    listing = [(rule, autoclose.rule_summary(rule), autoclose.rule_matches_now(rule)) for rule in rules]
    return _rule_form(request, analyst, partition, None, listing=listing, state=state, status=status)


def _change_state(request: HttpRequest, analyst: Analyst, rule: AutoCloseRule) -> tuple[dict[str, Any] | None, int]:
    """Deactivate or activate in two steps, as a rule is saved: checked with the preview, then the change reason.
    None once saved; else what the rule's dialog shows, and the status."""
    op = request.POST["op"]
    active = op == "activate"
    confirming = request.POST.get("step", "confirm") == "confirm"
    form = RuleStateForm(request.POST if confirming else None, prefix=f"r{rule.id}")
    status = 200
    if confirming:
        if not form.is_valid():
            status = 400
        else:
            try:
                saved = autoclose.set_rule(rule, form.cleaned_data["change_reason"], analyst, active=active)
            except CloseloopError as exc:
                status = refuse_in_form(form, exc)
                if exc.field != "change_reason":  # the change itself is refused: no preview to show
                    return {"rule_id": rule.id, "op": op, "form": form, "preview": None}, status
            else:
                messages.success(request, f"Rule {saved.rule.name} is now {'active' if active else 'deactivated'}.")
                return None, 200
    preview = None
    try:
        preview = autoclose.set_rule(rule, CHECKING, analyst, active=active, dry_run=True).preview
    except CloseloopError as exc:  # the change itself is refused (say, the rule's reason is out of use)
        status = refuse_in_form(form, exc)
    return {"rule_id": rule.id, "op": op, "form": form, "preview": preview}, status


@login_required
@refusals_as_http
def auto_close_rule(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Edit one rule."""
    analyst, partition = _admin_page(request)
    return _rule_form(request, analyst, partition, _rule(partition, rule_id))


def _check(partition: Partition, rule: AutoCloseRule | None, analyst: Analyst, reason: str, dry_run: bool,
           values: dict[str, Any]) -> autoclose.RuleSaved:
    if rule is None:
        return autoclose.add_rule(partition, reason, analyst, dry_run=dry_run, **values)
    return autoclose.set_rule(rule, reason, analyst, dry_run=dry_run, **values)


def _rule_form(request: HttpRequest, analyst: Analyst, partition: Partition, rule: AutoCloseRule | None,
               listing: list | None = None, state: dict[str, Any] | None = None,  # type: ignore[type-arg]
               status: int = 200) -> HttpResponse:
    """Save in two steps, as the IPK Settings page does: the rule is checked (its matches counted and the
    preview of what the rules would do made), then the change reason is asked for and it is saved."""
    posted = request.method == "POST" and request.POST.get("op") == "save"
    form = AutoCloseRuleForm(request.POST if posted else None, partition=partition, rule=rule)
    confirm, matches, preview = False, None, None
    if posted and form.is_valid():
        confirming = request.POST.get("step") == "confirm"
        reason = form.cleaned_data["change_reason"] if confirming else CHECKING
        try:
            saved = _check(partition, rule, analyst, reason, not confirming, form.values())
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
            confirm = confirming and exc.field == "change_reason"
            if confirm:  # the rule passed its check before: show the preview again with the prompt
                checked = _check(partition, rule, analyst, CHECKING, True, form.values())
                matches, preview = checked.matches, checked.preview
        else:
            if confirming:
                messages.success(request, f"Rule {saved.rule.name} saved: it matches {saved.matches} call(s) now.")
                return redirect("system-autoclose")
            confirm, matches, preview = True, saved.matches, saved.preview
    elif posted:
        status = 400
    template = "web/system/autoclose.html" if rule is None else "web/system/autoclose_edit.html"
    return render(request, template, {"partition": partition, "form": form, "rule": rule, "confirm": confirm,
                                      "matches": matches, "preview": preview, "listing": listing or [],
                                      "state": state}, status=status)
