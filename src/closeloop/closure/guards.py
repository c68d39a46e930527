"""The checks every call change and every settings or directory change must pass.

Every function takes plain facts and returns quietly (or a cleaned value), or raises a `CloseloopError`
whose message tells the user what to do instead. `changes` applies them to each call action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import CloseloopError, InvalidInput, NotAllowed, SettingsRejected
from .lifecycle import Action, allowed_actions, next_status
from .limits import CLOSURE_COMMENTS
from .model import (
    CLOSURE_STATUSES,
    Actor,
    CallFacts,
    ChecklistItemFacts,
    ClosureMethod,
    Directory,
    PartitionSettings,
    ReasonFacts,
    Right,
    Status,
)
from .routing import (
    group_has_eligible_closer,
    is_eligible_closer,
    refs_where,
    reroute_stranded,
    target_has_eligible_closer,
)

__all__ = [
    "require_right",
    "check_assignment",
    "check_closer",
    "check_close_values",
    "check_checklist",
    "ticked_by_contact",
    "check_reason",
    "check_unresolved_closer",
    "settings_problem",
    "unclosable_calls",
    "validate_settings",
    "check_directory_change",
    "permitted_actions",
]


def require_right(actor: Actor, right: Right, partition_name: str) -> None:
    """Refuse unless the actor holds `right` in the partition; the message names the right."""
    if right not in actor.rights:
        raise NotAllowed(
            f"{actor.name} lacks the '{right.label}' right ({right.value}) in partition {partition_name}"
        )


def check_assignment(directory: Directory, group_id: int | None, analyst_id: int | None) -> None:
    """An assignment names a group and/or an active analyst of this partition (a member of the group)."""
    if group_id is None and analyst_id is None:
        raise InvalidInput("Assign to a group, an analyst, or both", field="group")
    if group_id is not None and group_id not in directory.groups:
        raise InvalidInput(f"{directory.group_name(group_id)} is not an IPK group of partition "
                           f"{directory.partition_name}", field="group")
    if analyst_id is not None:
        candidate = directory.analysts.get(analyst_id)
        if candidate is None or not candidate.active:
            raise InvalidInput(f"{directory.analyst_name(analyst_id)} is not an active analyst of "
                               f"partition {directory.partition_name}", field="analyst")
        if group_id is not None and analyst_id not in directory.groups[group_id]:
            raise InvalidInput(f"{candidate.name} is not a member of group "
                               f"{directory.group_name(group_id)}", field="analyst")


def check_closer(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory,
                 action: Action) -> None:
    """Only an eligible closer of the call's current closure target may act on it."""
    next_status(call.status, action, call.ref)
    if actor.is_system:
        return
    require_right(actor, Right.CLOSE, directory.partition_name)
    candidate = directory.analysts.get(actor.analyst_id) if actor.analyst_id is not None else None
    if not is_eligible_closer(candidate, settings, call.resolved_by_id):
        raise NotAllowed(f"{actor.name} resolved {call.ref} and partition {directory.partition_name} "
                         "requires an independent closer")
    if call.status is Status.FORWARD_TO_YOU_FOR_CLOSE:
        if call.target_analyst_id != actor.analyst_id:
            owner = directory.analyst_name(call.target_analyst_id) if call.target_analyst_id else "nobody"
            raise NotAllowed(f"{call.ref} is forwarded to {owner} for close: only they may "
                             f"{action.verb} it")
    elif call.target_group_id is None or actor.analyst_id not in directory.groups.get(
            call.target_group_id, frozenset()):
        group = directory.group_name(call.target_group_id) if call.target_group_id else "no group"
        raise NotAllowed(f"{call.ref} is forwarded for closure to {group}: only its members may "
                         f"{action.verb} it")


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def check_close_values(
    call: CallFacts,
    settings: PartitionSettings,
    comments: str | None,
    reason: ReasonFacts | None,
    checklist: Sequence[ChecklistItemFacts] = (),
    ticked: Iterable[int] = (),
) -> str:
    """Closure comments, a linked reason when required, and every required checklist item ticked."""
    text = CLOSURE_COMMENTS.clean(comments)
    check_reason(call, settings, reason)
    check_checklist(call, checklist, ticked)
    return text


def check_checklist(call: CallFacts, checklist: Sequence[ChecklistItemFacts], ticked: Iterable[int] = ()) -> None:
    """Every required checklist item ticked by the closer, or answered by the contact's acceptance."""
    ticked_ids = set(ticked) | ticked_by_contact(call, checklist)
    known = {item.item_id for item in checklist}
    if unknown := ticked_ids - known:
        raise InvalidInput(f"Unknown checklist item(s): {sorted(unknown)}", field="checklist")
    missing = [item.text for item in checklist if item.required and item.item_id not in ticked_ids]
    if missing:
        raise InvalidInput("Required checklist items are not ticked: " + "; ".join(missing)
                           + " - reject the resolution instead if they are not met", field="checklist")


def ticked_by_contact(call: CallFacts, checklist: Iterable[ChecklistItemFacts]) -> frozenset[int]:
    """The checklist items the contact answered by accepting the call's current resolution."""
    if call.user_confirmed_at is None:
        return frozenset()
    return frozenset(item.item_id for item in checklist if item.answered_by_contact)


def check_reason(call: CallFacts, settings: PartitionSettings, reason: ReasonFacts | None, *,
                 unresolved: bool = False) -> None:
    """A closure reason in use, linked to the call's type, and of the right kind: a resolved close takes a
    reason for resolutions, a Closed/Unresolved close one for unresolved calls."""
    closing = "close as unresolved" if unresolved else "close"
    if reason is None:
        if settings.closure_reason_required:
            raise InvalidInput(f"A closure reason is required to {closing} {_a(call.call_type.label)}",
                               field="reason")
    elif not reason.active:
        raise InvalidInput(f"Closure reason {reason.code} is no longer in use", field="reason")
    elif call.call_type not in reason.call_types:
        raise InvalidInput(f"Closure reason {reason.code} does not apply to {_a(call.call_type.label)}",
                           field="reason")
    elif reason.unresolved and not unresolved:
        raise InvalidInput(f"Closure reason {reason.code} is for Closed/Unresolved calls: choose a reason for "
                           "resolved calls, or close the call as unresolved", field="reason")
    elif unresolved and not reason.unresolved:
        raise InvalidInput(f"Closure reason {reason.code} is for resolved calls: choose a reason for "
                           "Closed/Unresolved calls (cancelled, duplicate, no response)", field="reason")


def check_unresolved_closer(call: CallFacts, actor: Actor, settings: PartitionSettings,
                            directory: Directory) -> None:
    """Who may close a call as Closed/Unresolved.

    In the closure stage, an eligible closer of its current target (as for close). Before it is resolved,
    an analyst with the Closure Comments right, or, where the partition lets resolvers do it, whoever works
    the call (its assigned analyst; with none, a member of its assigned group; with neither, its logger)
    with the Resolve right.
    """
    if call.status in CLOSURE_STATUSES:
        check_closer(call, actor, settings, directory, Action.CLOSE_UNRESOLVED)
        return
    next_status(call.status, Action.CLOSE_UNRESOLVED, call.ref)
    if actor.is_system or Right.CLOSE in actor.rights:
        return
    partition = directory.partition_name
    if not settings.resolver_may_close_unresolved:
        require_right(actor, Right.CLOSE, partition)
    require_right(actor, Right.RESOLVE, partition)
    if call.assigned_analyst_id is not None:
        working = actor.analyst_id == call.assigned_analyst_id
    elif call.assigned_group_id is not None:
        working = actor.analyst_id in directory.groups.get(call.assigned_group_id, frozenset())
    else:
        working = actor.analyst_id == call.logged_by_id
    if not working:
        raise NotAllowed(f"{actor.name} does not work {call.ref}: only the analyst it is assigned to, or a "
                         f"closer with the 'Closure Comments' right in partition {partition}, may "
                         f"{Action.CLOSE_UNRESOLVED.verb} it")


def settings_problem(settings: PartitionSettings, directory: Directory) -> str | None:
    """Why these settings would strand calls with this directory, or None if they are safe."""
    group_id = settings.closure_group_id
    if settings.closure_method is ClosureMethod.RULES and group_id is None:
        return "closure method 'rules' needs a Closure Group as the last fallback"
    if group_id is not None and not group_has_eligible_closer(group_id, directory, settings):
        return (f"Closure Group {directory.group_name(group_id)} would have no eligible closer (an active "
                f"member with the Closure Comments right in partition {directory.partition_name})")
    if settings.closure_method is ClosureMethod.COMMENTS and not any(
            is_eligible_closer(c, settings) for c in directory.analysts.values()):
        return (f"closure method 'comments' needs at least one active analyst with the Closure Comments "
                f"right in partition {directory.partition_name}")
    if settings.acceptance_closes and settings.acceptance_reason_id is None:
        return ("closing on the contact's acceptance needs an acceptance reason (the closure reason such calls "
                "are closed with)")
    return None


def unclosable_calls(waiting: Iterable[CallFacts], settings: PartitionSettings, directory: Directory) -> list[str]:
    """Refs of calls awaiting closure that neither their target nor any re-route could close."""
    return refs_where(waiting, settings, lambda call: not target_has_eligible_closer(call, settings, directory)
                      and reroute_stranded(call, settings, directory) is None)


def _refuse_unclosable(waiting: Iterable[CallFacts], settings: PartitionSettings, directory: Directory,
                       prefix: str) -> None:
    refs = unclosable_calls(waiting, settings, directory)
    if not refs:
        return
    shown = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
    resolver = ", as the resolver may not" if settings.require_independent_closer else ""
    raise SettingsRejected(
        f"{prefix}: nobody could close {shown}, awaiting closure (no active analyst with the Closure "
        f"Comments right who may close them{resolver}). Close or reject those calls first, or give another "
        "analyst the Closure Comments right")


def validate_settings(settings: PartitionSettings, directory: Directory,
                      waiting: Sequence[CallFacts] = ()) -> None:
    """Refuse settings that are inconsistent or would leave resolved calls with nobody to close them.

    `waiting` are the partition's calls awaiting closure: none may be left without a possible closer.
    """
    if settings.closure_group_id is not None and settings.closure_group_id not in directory.groups:
        raise InvalidInput(f"The closure group must be an IPK group of partition {directory.partition_name}",
                           field="closure_group")
    if settings.closure_method is ClosureMethod.IMMEDIATE and settings.require_independent_closer:
        raise SettingsRejected("Closure method 'immediate' has the resolver close the call, which an "
                               "independent closer forbids: choose 'comments' or 'rules', or turn off "
                               "require_independent_closer", field="require_independent_closer")
    if problem := settings_problem(settings, directory):
        field = "closure_method" if "method" in problem else "closure_group"
        raise SettingsRejected(f"Settings not saved: {problem}", field=field)
    _refuse_unclosable(waiting, settings, directory, "Settings not saved")


def check_directory_change(settings: PartitionSettings, after: Directory, change: str,
                           waiting: Sequence[CallFacts] = ()) -> None:
    """Refuse a change of analysts, groups or rights that would strand calls under current settings."""
    if problem := settings_problem(settings, after):
        raise SettingsRejected(f"{change} refused: {problem}")
    _refuse_unclosable(waiting, settings, after, f"{change} refused")


def permitted_actions(call: CallFacts, actor: Actor, settings: PartitionSettings,
                      directory: Directory) -> frozenset[Action]:
    """The actions this actor may take on this call right now (what a call page offers)."""
    possible = allowed_actions(call.status)
    allowed: set[Action] = set()
    if Action.ASSIGN in possible and Right.REASSIGN in actor.rights:
        allowed.add(Action.ASSIGN)
    for action in (Action.HOLD, Action.RESUME):
        if action in possible and Right.RESOLVE in actor.rights:
            allowed.add(action)
    if Action.RESOLVE_TO_GROUP in possible and Right.RESOLVE in actor.rights and (
            settings.two_part or Right.CLOSE in actor.rights):
        allowed.add(Action.RESOLVE_AND_CLOSE if not settings.two_part else Action.RESOLVE_TO_GROUP)
    for action in (Action.TAKE, Action.CLOSE, Action.REJECT, Action.FORWARD_TO_ANALYST):
        if action not in possible or (action is Action.TAKE and actor.is_system):
            continue
        try:
            check_closer(call, actor, settings, directory, action)
        except CloseloopError:
            continue
        allowed.add(action)
    if Action.CLOSE_UNRESOLVED in possible:
        try:
            check_unresolved_closer(call, actor, settings, directory)
        except CloseloopError:
            pass
        else:
            allowed.add(Action.CLOSE_UNRESOLVED)
    return frozenset(allowed)
