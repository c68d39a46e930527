"""System Administration: Call Auto Close. List a partition's rules (with how many calls each matches now),
add or edit one in two steps (checked, then saved with a change reason), deactivate or activate one."""

from __future__ import annotations

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
    refused: tuple[int, RuleStateForm] | None = None
    status = 200
    if request.method == "POST" and request.POST.get("op") in ("deactivate", "activate"):
        rule = _rule(partition, request.POST.get("rule"))
        form = RuleStateForm(request.POST, prefix=f"r{rule.id}")
        if not form.is_valid():
            status, refused = 400, (rule.id, form)
        else:
            try:
                saved = autoclose.set_rule(rule, form.cleaned_data["change_reason"], analyst,
                                           active=request.POST["op"] == "activate")
            except CloseloopError as exc:
                status, refused = refuse_in_form(form, exc), (rule.id, form)
            else:
                state = "active" if saved.rule.active else "deactivated"
                messages.success(request, f"Rule {saved.rule.name} is now {state}.")
                return redirect("system-autoclose")
    rules = list(autoclose.list_rules(analyst, partition.name))
    listing = [(rule, autoclose.rule_summary(rule), autoclose.rule_matches_now(rule),
                refused[1] if refused and refused[0] == rule.id else RuleStateForm(prefix=f"r{rule.id}"))
               for rule in rules]
    return _rule_form(request, analyst, partition, None, listing=listing, status=status)


@login_required
@refusals_as_http
def auto_close_rule(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Edit one rule."""
    analyst, partition = _admin_page(request)
    return _rule_form(request, analyst, partition, _rule(partition, rule_id))


def _rule_form(request: HttpRequest, analyst: Analyst, partition: Partition, rule: AutoCloseRule | None,
               listing: list | None = None, status: int = 200) -> HttpResponse:  # type: ignore[type-arg]
    """Save in two steps, as the IPK Settings page does: the rule is checked (and its matches counted),
    then the change reason is asked for and it is saved."""
    posted = request.method == "POST" and request.POST.get("op") == "save"
    form = AutoCloseRuleForm(request.POST if posted else None, partition=partition, rule=rule)
    confirm, matches = False, None
    if posted and form.is_valid():
        confirming = request.POST.get("step") == "confirm"
        reason = form.cleaned_data["change_reason"] if confirming else "checking the rule"
        try:
            if rule is None:
                saved = autoclose.add_rule(partition, reason, analyst, dry_run=not confirming, **form.values())
            else:
                saved = autoclose.set_rule(rule, reason, analyst, dry_run=not confirming, **form.values())
        except CloseloopError as exc:
            status = refuse_in_form(form, exc)
            confirm = confirming and exc.field == "change_reason"
        else:
            if confirming:
                messages.success(request, f"Rule {saved.rule.name} saved: it matches {saved.matches} call(s) now.")
                return redirect("system-autoclose")
            confirm, matches = True, saved.matches
    elif posted:
        status = 400
    template = "web/system/autoclose.html" if rule is None else "web/system/autoclose_edit.html"
    return render(request, template, {"partition": partition, "form": form, "rule": rule, "confirm": confirm,
                                      "matches": matches, "listing": listing or []}, status=status)
