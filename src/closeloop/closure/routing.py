"""Who may close a call, where a resolved call goes, and the orphan guard.

Routing walks a fallback chain and takes the first target with at least one eligible closer, so
that no call ever waits for validation where nobody can give it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter

from .errors import InvalidInput, NotAllowed
from .model import (
    CallFacts,
    CallType,
    Candidate,
    ClosureMethod,
    ClosureRoute,
    ClosureRule,
    Directory,
    PartitionSettings,
    Right,
    Status,
    Target,
)

__all__ = [
    "ROUTING_INPUT",
    "routing_input",
    "facts_for_routing",
    "is_eligible_closer",
    "eligible_closers",
    "group_has_eligible_closer",
    "fallback_chain",
    "route_for_closure",
    "route_to_target",
    "reroute_stranded",
    "target_has_eligible_closer",
    "stranded_refs",
    "refs_where",
]


# Everything of a call that routing reads (its reference aside, which only its messages name): two calls
# alike in these go to the same place under the same settings and directory.
ROUTING_INPUT = attrgetter("status", "target_analyst_id", "target_group_id", "logged_by_id", "log_group_id",
                           "resolved_by_id")
_RESOLVE_INPUT = attrgetter("logged_by_id", "log_group_id")


def facts_for_routing(ref: str, status: Status, target_analyst_id: int | None, target_group_id: int | None,
                      logged_by_id: int | None, log_group_id: int | None, resolved_by_id: int | None) -> CallFacts:
    """A call as routing reads it (its reference and ROUTING_INPUT), every other fact at its default: the
    closure settings preview reads tens of thousands of calls, and only these columns of each."""
    return _READ_BY_ROUTING.but(ref=ref, status=status, target_analyst_id=target_analyst_id,
                                target_group_id=target_group_id, logged_by_id=logged_by_id,
                                log_group_id=log_group_id, resolved_by_id=resolved_by_id)


_READ_BY_ROUTING = CallFacts(ref="", call_type=CallType.INCIDENT, status=Status.LOGGED, logged_by_id=None)


def routing_input(call: CallFacts, settings: PartitionSettings, *, resolving: bool = False) -> tuple[object, ...]:
    """What routing the call under `settings` reads of it (ROUTING_INPUT); `resolving`: routing its resolution,
    which reads only who logged it and its log group. Who resolved it counts only where the settings require
    an independent closer: a preview routes thousands of calls, resolved by hundreds of analysts."""
    resolver = call.resolved_by_id if settings.require_independent_closer else None
    if resolving:
        return (*_RESOLVE_INPUT(call), resolver)
    status, analyst, group, logged_by, log_group, _ = ROUTING_INPUT(call)
    return status, analyst, group, logged_by, log_group, resolver


def is_eligible_closer(
    candidate: Candidate | None, settings: PartitionSettings, resolved_by_id: int | None = None
) -> bool:
    """An active analyst with the Closure Comments right here (and not the resolver, if required)."""
    if candidate is None or not candidate.active or Right.CLOSE not in candidate.rights:
        return False
    return not (settings.require_independent_closer and candidate.analyst_id == resolved_by_id)


def eligible_closers(
    group_id: int, directory: Directory, settings: PartitionSettings, resolved_by_id: int | None = None
) -> list[int]:
    """Ids of the members of a group who may close a call resolved by `resolved_by_id`."""
    members = directory.groups.get(group_id, frozenset())
    return sorted(
        m for m in members
        if is_eligible_closer(directory.analysts.get(m), settings, resolved_by_id)
    )


def group_has_eligible_closer(
    group_id: int, directory: Directory, settings: PartitionSettings, resolved_by_id: int | None = None
) -> bool:
    """At least one member of the group may close a call resolved by `resolved_by_id` (the first one found
    answers: routing asks this of every call it routes)."""
    return any(is_eligible_closer(directory.analysts.get(m), settings, resolved_by_id)
               for m in directory.groups.get(group_id, ()))


def fallback_chain(
    call: CallFacts, settings: PartitionSettings
) -> list[tuple[str, int | None, int | None]]:
    """The ordered targets to try: (step name, analyst id, group id).

    Under method `comments` (manual forwarding) an unnamed closer defaults to the logging analyst,
    so the `logged_by` chain applies.
    """
    rule = settings.closure_rule if settings.closure_method is ClosureMethod.RULES else ClosureRule.LOGGED_BY
    chain: list[tuple[str, int | None, int | None]] = []
    if rule is ClosureRule.LOGGED_BY:
        chain.append(("logging analyst", call.logged_by_id, None))
    if rule in (ClosureRule.LOGGED_BY, ClosureRule.LOG_GROUP):
        chain.append(("log group", None, call.log_group_id))
    chain.append(("closure group", None, settings.closure_group_id))
    return chain


def _first_reachable(
    call: CallFacts,
    settings: PartitionSettings,
    directory: Directory,
) -> ClosureRoute | None:
    tried: list[str] = []
    for step, analyst_id, group_id in fallback_chain(call, settings):
        if analyst_id is None and group_id is None:
            tried.append(f"{step} (none)")
            continue
        if analyst_id is not None:
            name = directory.analyst_name(analyst_id)
            if is_eligible_closer(directory.analysts.get(analyst_id), settings, call.resolved_by_id):
                return ClosureRoute(analyst_id, None, _explain(step, name, tried))
            tried.append(f"{step} {name} (not an eligible closer)")
        else:
            assert group_id is not None
            name = directory.group_name(group_id)
            if group_has_eligible_closer(group_id, directory, settings, call.resolved_by_id):
                return ClosureRoute(None, group_id, _explain(step, name, tried))
            tried.append(f"{step} {name} (no eligible closer)")
    return None


def _explain(step: str, name: str, tried: list[str]) -> str:
    text = f"forwarded to {step} {name}"
    return f"{text}; skipped: {', '.join(tried)}" if tried else text


def route_for_closure(
    call: CallFacts, settings: PartitionSettings, directory: Directory
) -> ClosureRoute:
    """Where a call resolved under the partition's settings goes when nobody is named."""
    route = _first_reachable(call, settings, directory)
    if route is None:
        raise NotAllowed(
            f"Nobody can validate {call.ref} in partition {directory.partition_name}: no target in the "
            "fallback chain has an active analyst with the Closure Comments right "
            f"{'other than the resolver ' if settings.require_independent_closer else ''}"
            "- name a closer, or add a closer to the closure group"
        )
    return route


def route_to_target(
    call: CallFacts, target: Target, settings: PartitionSettings, directory: Directory
) -> ClosureRoute:
    """Forward to a named analyst or group, refusing a target nobody there could close from."""
    if target.analyst_id is not None:
        name = directory.analyst_name(target.analyst_id)
        if target.analyst_id not in directory.analysts:
            raise InvalidInput(f"{name} is not an analyst of partition {directory.partition_name}",
                               field="closer")
        if not is_eligible_closer(directory.analysts[target.analyst_id], settings, call.resolved_by_id):
            why = _why_not(directory, target.analyst_id, settings, call)
            raise NotAllowed(f"{name} cannot close {call.ref}: {why}")
        return ClosureRoute(target.analyst_id, None, f"forwarded to {name}")
    assert target.group_id is not None
    name = directory.group_name(target.group_id)
    if target.group_id not in directory.groups:
        raise InvalidInput(f"{name} is not an IPK group of partition {directory.partition_name}",
                           field="closer_group")
    if not group_has_eligible_closer(target.group_id, directory, settings, call.resolved_by_id):
        raise NotAllowed(
            f"Group {name} has no member who may close {call.ref} (an active analyst with the "
            f"Closure Comments right in partition {directory.partition_name}"
            f"{' other than the resolver' if settings.require_independent_closer else ''})"
        )
    return ClosureRoute(None, target.group_id, f"forwarded to group {name}")


def _why_not(directory: Directory, analyst_id: int, settings: PartitionSettings, call: CallFacts) -> str:
    candidate = directory.analysts[analyst_id]
    if not candidate.active:
        return "the analyst is deactivated"
    if Right.CLOSE not in candidate.rights:
        return f"the analyst lacks the Closure Comments right in partition {directory.partition_name}"
    return "independent closure is required and the analyst resolved the call"


def target_has_eligible_closer(call: CallFacts, settings: PartitionSettings, directory: Directory) -> bool:
    """True if the call's current closure target still has someone who may close it."""
    if call.status is Status.FORWARD_TO_YOU_FOR_CLOSE and call.target_analyst_id is not None:
        return is_eligible_closer(directory.analysts.get(call.target_analyst_id), settings,
                                  call.resolved_by_id)
    if call.status is Status.FORWARD_FOR_CLOSURE and call.target_group_id is not None:
        return group_has_eligible_closer(call.target_group_id, directory, settings, call.resolved_by_id)
    return True


def reroute_stranded(
    call: CallFacts, settings: PartitionSettings, directory: Directory
) -> ClosureRoute | None:
    """A new route for a call whose closure target can no longer close it, or None if it is fine.

    Walks the fallback chain, then any eligible closer of the partition as a last resort (the
    orphan guard keeps at least one in a two-part partition).
    """
    if call.status not in (Status.FORWARD_TO_YOU_FOR_CLOSE, Status.FORWARD_FOR_CLOSURE):
        return None
    if target_has_eligible_closer(call, settings, directory):
        return None
    route = _first_reachable(call, settings, directory)
    if route is not None:
        return route
    for analyst_id in sorted(directory.analysts):
        if is_eligible_closer(directory.analysts[analyst_id], settings, call.resolved_by_id):
            return ClosureRoute(analyst_id, None,
                                f"forwarded to {directory.analyst_name(analyst_id)}, the partition's "
                                "first eligible closer, as no target in the fallback chain could close")
    return None


def refs_where(waiting: Iterable[CallFacts], settings: PartitionSettings,
               test: Callable[[CallFacts], bool]) -> list[str]:
    """Refs of the calls that pass `test`, a question routing answers (it reads no more of a call than
    `routing_input`): asked once per routing input, as a save checks every call waiting in the partition."""
    answers: dict[tuple[object, ...], bool] = {}
    refs = []
    for call in waiting:
        key = routing_input(call, settings)
        passed = answers.get(key)
        if passed is None:
            passed = answers[key] = test(call)
        if passed:
            refs.append(call.ref)
    return refs


def stranded_refs(waiting: Iterable[CallFacts], settings: PartitionSettings, directory: Directory) -> list[str]:
    """Refs of the waiting calls `reroute_stranded` would move."""
    return refs_where(waiting, settings, lambda call: reroute_stranded(call, settings, directory) is not None)
