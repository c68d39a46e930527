"""A partition's sampling policy in the REST API: read it, change it with a change reason (IPK Setup), or
check a change with `dry_run`, which answers a preview of the calls the new policy would sample. The
partition services parse, validate and audit; the calls services preview."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from closeloop.api.auth import caller
from closeloop.api.schemas import Flag, PartitionName, Text, WholeNumber, limited, responses
from closeloop.calls.sampling_preview import preview_sampling_policy
from closeloop.closure import limits
from closeloop.partitions import sampling
from closeloop.partitions.services import get_partition

__all__ = ["router"]

router = Router(tags=["partitions"])


class SamplingPolicyOut(Schema):
    """Which resolved calls the closure target must validate: those matching any condition, and a random share
    of the rest. The others close on the contact's acceptance or when their auto-close rule expires."""

    partition: str = Field(..., examples=["Default"])
    version: int = Field(..., examples=[2], description="0 until the policy is first saved")
    enabled: bool = Field(..., description="False: every call is validated as the closure settings say")
    min_priority: int | None = Field(None, examples=[2], description="Sample every call at this priority or above")
    call_types: list[str] = Field(..., examples=[["major_incident"]], description="Call types always sampled")
    rejected_or_refused_before: bool = Field(..., description="Sample calls rejected or refused before")
    resolver_rejection_rate_above: float | None = Field(
        None, examples=[20], description="Sample calls of resolvers whose rejection rate over 30 days is above this %")
    resolver_first_n: int = Field(..., examples=[5], description="Sample each resolver's first N calls (0: off)")
    random_percent: float = Field(..., examples=[10], description="Sample this % of every other call at random")


class SamplingPolicyUpdate(Schema):
    """The fields to change (those left out keep their value) and why; null clears min_priority and
    resolver_rejection_rate_above."""

    change_reason: Text = limited(limits.CHANGE_REASON, examples=["Validate every P1/P2 and a tenth of the rest"])
    enabled: Flag | None = None
    min_priority: WholeNumber | None = Field(None, examples=[2])
    call_types: list[Text] | None = Field(None, examples=[["major_incident"]])
    rejected_or_refused_before: Flag | None = None
    resolver_rejection_rate_above: float | None = Field(None, examples=[20])
    resolver_first_n: WholeNumber | None = Field(None, examples=[5])
    random_percent: float | None = Field(None, examples=[10])


class SamplingTallyOut(Schema):
    """The preview's calls under one policy."""

    under_policy: bool = Field(..., description="False: no policy, every call is validated as the closure "
                                                "settings say (all count as sampled)")
    sampled: int = Field(..., description="Calls the closure target must validate")
    not_sampled: int = Field(..., description="Calls that may close on the contact's word or at Call Auto Close")
    by_condition: dict[str, int] = Field(
        ..., examples=[{"min_priority": 3, "random_percent": 2}],
        description="Sampled calls per condition that sampled them (a call may match several): min_priority, "
                    "call_types, rejected_or_refused_before, resolver_rejection_rate_above, resolver_first_n, "
                    "random_percent")
    workload: dict[str, int] = Field(..., examples=[{"group Closure Group": 5}],
                                     description="Sampled calls per closure target")


class SamplingChangeOut(Schema):
    """One call validated under one policy and not under the other."""

    ref: str = Field(..., examples=["INC-000042"])
    waiting: bool = Field(..., description="True: in the closure stage now; false: resolved in the window")
    before: str = Field(..., examples=["not sampled"], description="sampled, not sampled, or no policy")
    after: str = Field(..., examples=["sampled"])
    why: str = Field(..., examples=["P2 is at or above P2"], description="The new policy's reasons")


class SamplingPreviewOut(Schema):
    """Which calls would be sampled under the new policy, next to the policy in force: the calls waiting for
    closure now and those resolved in the last `days` days, each decided as if resolved again now with the
    draw recorded on it (a waiting call keeps the decision it was given: a policy applies to calls resolved
    from then on). Resolvers' rejection rates and closed calls are read as of now."""

    waiting: int = Field(..., description="Calls in the closure stage now")
    resolved_recently: int = Field(..., description="Calls resolved in the last `days` days that left the stage")
    days: int = Field(..., examples=[30])
    stand_in_draws: int = Field(..., description="Calls with no recorded draw (resolved under no policy): a "
                                                 "stand-in draw derived from the call is used")
    before: SamplingTallyOut = Field(..., description="Under the policy in force")
    after: SamplingTallyOut = Field(..., description="Under the new policy")
    changed: int = Field(..., description="Calls validated under one policy and not under the other")
    changes: list[SamplingChangeOut] = Field(..., description="The first 50 calls that would change decision")


class SamplingPolicyResult(SamplingPolicyOut):
    """The policy after the change (or, with dry_run, as it would be, with the preview)."""

    dry_run: bool = Field(..., description="True: checked exactly as for a save, nothing written")
    changed: bool = Field(..., description="Whether this policy differs from the one in force")
    preview: SamplingPreviewOut | None = Field(None, description="With dry_run: the calls it would sample")


@router.get("/{name}/sampling-policy", response=responses(SamplingPolicyOut), summary="Sampling policy")
def read_sampling_policy(request: HttpRequest, name: PartitionName) -> dict[str, Any]:
    partition = get_partition(name, caller(request))
    row = sampling.sampling_settings(partition)
    return sampling.describe_sampling(partition, row.as_value(), row.version)


@router.put("/{name}/sampling-policy", response=responses(SamplingPolicyResult),
            summary="Change the sampling policy (needs IPK Setup and a change reason)")
def change_sampling_policy(request: HttpRequest, name: PartitionName, body: SamplingPolicyUpdate,
                           dry_run: bool = False) -> dict[str, Any]:
    """Effective at once for calls resolved from then on. A value out of range is refused (400) naming the
    field. With `dry_run=true` the answer says what would be saved, and nothing is, and `preview` says which
    calls waiting for closure and resolved in the last 30 days it would sample."""
    actor = caller(request)
    partition = get_partition(name, actor)
    given = body.model_dump(exclude_unset=True, exclude={"change_reason"})
    clearable = ("min_priority", "resolver_rejection_rate_above")  # null clears these; for the rest it keeps
    values = {key: value for key, value in given.items() if value is not None or key in clearable}
    saved = sampling.set_sampling_policy(partition, body.change_reason, actor, dry_run=dry_run, **values)
    preview = preview_sampling_policy(partition, saved.policy).as_dict() if dry_run else None
    return {**sampling.describe_sampling(partition, saved.policy, saved.version), "dry_run": dry_run,
            "changed": saved.changed, "preview": preview}
