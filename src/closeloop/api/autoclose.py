"""Call Auto Close rules in the REST API: list them (with the calls each matches now), add one and change one,
each with a change reason (audited); `dry_run` checks a rule, counts its matches and previews what the rules
would do after the change, without saving it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from closeloop.api.auth import caller
from closeloop.api.schemas import Flag, Id, Text, WholeNumber, limited, responses
from closeloop.autoclose import services as autoclose
from closeloop.autoclose.models import AutoCloseRule
from closeloop.closure import NotFound, limits
from closeloop.partitions.services import get_partition

__all__ = ["router"]

router = Router(tags=["auto-close"])


class ReminderIn(Schema):
    """A reminder sent when the call has been idle `after_days` days."""

    after_days: WholeNumber = Field(..., ge=1, le=365, examples=[5])
    to: list[Text] = Field(..., examples=[["target", "contact"]], description="target and/or contact")


class RuleFields(Schema):
    """A rule's fields; on a change, fields left out keep their value."""

    statuses: list[Text] | None = Field(None, examples=[["forward_for_closure", "forward_to_you_for_close"]],
                                        description="forward_for_closure, forward_to_you_for_close, on_hold")
    call_types: list[Text] | None = Field(None, examples=[["incident"]], description="Empty: every call type")
    priorities: list[WholeNumber] | None = Field(None, examples=[[3, 4]], description="Empty: every priority")
    idle_days: WholeNumber | None = Field(None, ge=1, le=365, examples=[10])
    business_days: Flag | None = Field(None, description="Count Monday to Friday only")
    reminders: list[ReminderIn] | None = Field(None, max_length=3)
    expiry: Text | None = Field(None, examples=["close"], description="close or escalate")
    reason: Text | None = Field(None, examples=["FIXED"], description="Closure reason code (expiry close)")
    comments: Text | None = limited(limits.AUTO_CLOSE_COMMENTS, None)
    escalation_group: Text | None = Field(None, examples=["Closure Group"], description="Group name (escalate)")
    raise_priority: WholeNumber | None = Field(None, ge=0, le=3)
    priority_to: WholeNumber | None = Field(None, ge=1, le=4)
    position: WholeNumber | None = Field(None, ge=0, le=10_000, description="Place in the order (0 is tried first)")


class RuleCreate(RuleFields):
    """A new rule of a partition; `change_reason` is kept in the settings history."""

    partition: Text = Field(..., examples=["Default"])
    name: Text = limited(limits.AUTO_CLOSE_RULE_NAME, examples=["Resolved calls"])
    change_reason: Text = limited(limits.CHANGE_REASON, examples=["Resolved calls wait too long"])


class RuleUpdate(RuleFields):
    """New values for a rule's fields; `change_reason` is kept in the settings history."""

    name: Text | None = limited(limits.AUTO_CLOSE_RULE_NAME, None)
    active: Flag | None = None
    change_reason: Text = limited(limits.CHANGE_REASON, examples=["Closers caught up"])


class RuleOut(Schema):
    """A Call Auto Close rule and how many calls it matches now."""

    id: int
    partition: str
    name: str
    active: bool
    position: int
    statuses: list[str]
    call_types: list[str]
    priorities: list[int]
    idle_days: int
    days: str = Field(..., description="calendar or business")
    reminders: list[dict[str, Any]]
    expiry: str
    reason: str | None
    comments: str
    escalation_group: str | None
    raise_priority: int
    priority_to: int | None
    summary: str = Field(..., examples=["Forward for Closure idle 10 calendar days: remind after 5 (closure "
                                        "target, contact); close (FIXED)"])
    matches_now: int = Field(..., description="Calls the rule matches now (status, call type, priority)")


class StepChangeOut(Schema):
    """One call whose step would differ under the new rules: as the label says it and as data."""

    ref: str = Field(..., examples=["INC-000042"])
    verdict: str | None = Field(None, description="For a resolution decided lately: closed, rejected, refused or "
                                                  "auto_closed (absent for a call watched now)")
    before: str = Field(..., examples=["nothing"])
    after: str = Field(..., examples=["auto-close on 2026-03-12 09:00 (rule Resolved calls)"])
    before_step: str = Field(..., description="nothing, remind, close or escalate")
    after_step: str = Field(..., description="nothing, remind, close or escalate")
    before_at: datetime | None
    after_at: datetime | None


class BeforeAfterOut(Schema):
    before: int
    after: int


class AutoClosePreviewOut(Schema):
    """What the partition's rules would do after the change, compared with the rules now (the what-if preview)."""

    watched: int = Field(..., description="Calls in a status the rules watch now")
    before: dict[str, int] = Field(..., description="Watched calls per next step under the rules now",
                                   examples=[{"nothing": 3, "remind": 1, "close": 0, "escalate": 0}])
    after: dict[str, int] = Field(..., description="The same under the new rules")
    acting_now_before: int = Field(..., description="Watched calls the next pass would act on at once, now")
    acting_now_after: int = Field(..., description="The same under the new rules")
    changed: int = Field(..., description="Watched calls whose next step or its date would change")
    changes: list[StepChangeOut] = Field(..., description="The first 50 of them")
    resolved_recently: int = Field(..., description="Verdicts of the last `days` days on resolutions of those days")
    days: int = Field(..., examples=[30])
    decided_before: dict[str, int] = Field(..., description="What the rules now would have done before each "
                                                            "verdict (close: auto-closed first)")
    decided_after: dict[str, int] = Field(..., description="The same under the new rules")
    decided_changed: int
    taken_off_closers: BeforeAfterOut = Field(..., description="Verdicts a closer gave that the rules would have "
                                                               "auto-closed first")
    rejected_auto_closed: BeforeAfterOut = Field(..., description="Of those, resolutions a closer rejected")
    decided_changes: list[StepChangeOut] = Field(..., description="The first 50 verdicts whose step would change")


class RuleResult(RuleOut):
    dry_run: bool = Field(..., description="True: checked and counted, nothing saved")
    preview: AutoClosePreviewOut | None = Field(None, description="With dry_run: what the rules would do after "
                                                                  "the change, compared with now")


class _PartitionFilter(Schema):
    partition: Text | None = Field(None, description="Partition name (default: all of yours)")


def _out(rule: AutoCloseRule, matches: int) -> dict[str, Any]:
    described = autoclose.describe_rule(rule)
    described.pop("status_labels")
    return {"id": rule.id, **described, "matches_now": matches}


def _result(saved: autoclose.RuleSaved, dry_run: bool) -> dict[str, Any]:
    return {**_out(saved.rule, saved.matches), "dry_run": dry_run,
            "preview": saved.preview.as_dict() if saved.preview else None}


def _given(body: Schema, *leave_out: str) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True, exclude={"change_reason", *leave_out})
    return {key: value for key, value in values.items() if value is not None or key in ("reason", "priority_to",
                                                                                        "escalation_group")}


@router.get("", response=responses(list[RuleOut]), summary="Call Auto Close rules")
def list_rules(request: HttpRequest, filters: Query[_PartitionFilter]) -> list[dict[str, Any]]:
    return [_out(r, autoclose.rule_matches_now(r)) for r in autoclose.list_rules(caller(request), filters.partition)]


@router.post("", response=responses(RuleResult, 201),
             summary="Add a Call Auto Close rule (needs IPK Setup and a change reason)")
def create_rule(request: HttpRequest, body: RuleCreate, dry_run: bool = False) -> Status[dict[str, Any]]:
    actor = caller(request)
    partition = get_partition(body.partition, actor)
    saved = autoclose.add_rule(partition, body.change_reason, actor, dry_run=dry_run, **_given(body, "partition"))
    return Status(201, _result(saved, dry_run))


@router.put("/{rule_id}", response=responses(RuleResult),
            summary="Change a Call Auto Close rule (needs IPK Setup and a change reason)")
def change_rule(request: HttpRequest, rule_id: Id, body: RuleUpdate, dry_run: bool = False) -> dict[str, Any]:
    actor = caller(request)
    rule = autoclose.list_rules(actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"No Call Auto Close rule #{rule_id} in your partitions", field="rule_id")
    saved = autoclose.set_rule(rule, body.change_reason, actor, dry_run=dry_run, **_given(body))
    return _result(saved, dry_run)
