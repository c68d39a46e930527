"""Why a call page does not offer an action: one short line per main action the viewer cannot take.

`guards.permitted_actions` says what is offered; `why_not` says, for the main actions of the call's stage
that are not, why not, in the words the action itself would refuse with (the guards' own messages).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import CloseloopError
from .guards import check_closer, check_unresolved_closer, permitted_actions, require_right
from .lifecycle import Action, allowed_actions
from .model import CLOSURE_STATUSES, Actor, CallFacts, Directory, PartitionSettings, Right, Status

__all__ = ["OFFER_TITLES", "why_not", "why_not_lines"]

# The main actions of a call page, in the order the page shows them, with their button titles.
OFFER_TITLES: dict[Action, str] = {
    Action.RESOLVE_TO_GROUP: "Resolve",
    Action.ASSIGN: "Assign",
    Action.HOLD: "Put on hold",
    Action.TAKE: "Take",
    Action.CLOSE: "Close",
    Action.REJECT: "Reject resolution",
    Action.FORWARD_TO_ANALYST: "Re-forward",
    Action.CLOSE_UNRESOLVED: "Close as unresolved",
}

_RESOLVING = frozenset({Action.RESOLVE_TO_GROUP, Action.RESOLVE_AND_CLOSE})


def _refusal(check: Callable[[], None]) -> str | None:
    try:
        check()
    except CloseloopError as exc:
        return exc.message
    return None


def _why_not_resolve(actor: Actor, settings: PartitionSettings, directory: Directory) -> str | None:
    partition = directory.partition_name
    if Right.RESOLVE not in actor.rights:
        return _refusal(lambda: require_right(actor, Right.RESOLVE, partition))
    if not settings.two_part and Right.CLOSE not in actor.rights:
        return (f"partition {partition} closes calls when they are resolved, and "
                + (_refusal(lambda: require_right(actor, Right.CLOSE, partition)) or ""))
    return None


def _why_not_take(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory) -> str | None:
    if call.status is Status.FORWARD_TO_YOU_FOR_CLOSE:
        if call.target_analyst_id is None or call.target_analyst_id == actor.analyst_id:
            return None  # already theirs: nothing to take
        return f"{call.ref} waits for {directory.analyst_name(call.target_analyst_id)} personally"
    if actor.is_system:
        return "the system operator cannot take calls: act as an analyst"
    return _refusal(lambda: check_closer(call, actor, settings, directory, Action.TAKE))


def _reason(action: Action, call: CallFacts, actor: Actor, settings: PartitionSettings,
            directory: Directory) -> str | None:
    partition = directory.partition_name
    if action is Action.RESOLVE_TO_GROUP:
        return _why_not_resolve(actor, settings, directory)
    if action is Action.ASSIGN:
        return _refusal(lambda: require_right(actor, Right.REASSIGN, partition))
    if action is Action.HOLD:
        return _refusal(lambda: require_right(actor, Right.RESOLVE, partition))
    if action is Action.TAKE:
        return _why_not_take(call, actor, settings, directory)
    if action is Action.CLOSE_UNRESOLVED:
        return _refusal(lambda: check_unresolved_closer(call, actor, settings, directory))
    return _refusal(lambda: check_closer(call, actor, settings, directory, action))


def _in_stage(action: Action, call: CallFacts) -> bool:
    """Whether the call's stage has this action at all (a Logged call is not closed, a closed one not worked)."""
    if action is Action.TAKE:  # a call waiting for one closer could have been taken by its group
        return call.status in CLOSURE_STATUSES
    possible = allowed_actions(call.status)
    return bool((_RESOLVING if action is Action.RESOLVE_TO_GROUP else {action}) & possible)


def _reasons(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory) -> dict[Action, str]:
    offered = permitted_actions(call, actor, settings, directory)
    reasons: dict[Action, str] = {}
    for action in OFFER_TITLES:
        if not _in_stage(action, call):
            continue
        if (_RESOLVING if action is Action.RESOLVE_TO_GROUP else {action}) & offered:
            continue
        reason = _reason(action, call, actor, settings, directory)
        if reason is not None:
            reasons[action] = _lower_first(reason)
    return reasons


def why_not(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory) -> dict[Action, str]:
    """For each main action of the call's stage that this actor is not offered, one line saying why.

    Actions the call's status does not have at all (closing a Logged call) are left out: the page need not
    explain those. Keys are the actions of `OFFER_TITLES`, in its order.
    """
    return {action: f"{OFFER_TITLES[action]} is not offered: {reason}"
            for action, reason in _reasons(call, actor, settings, directory).items()}


def why_not_lines(call: CallFacts, actor: Actor, settings: PartitionSettings, directory: Directory) -> list[str]:
    """`why_not` for a page: actions refused for the same reason share one line ("Take, Close and Reject
    resolution are not offered: rita lacks the 'Closure Comments' right ...")."""
    by_reason: dict[str, list[tuple[str, str]]] = {}
    for action, reason in _reasons(call, actor, settings, directory).items():
        # "... only its members may take it" and "... may close it" are one reason for both actions
        by_reason.setdefault(_ANY_VERB.sub("may act on it", reason), []).append((OFFER_TITLES[action], reason))
    lines = []
    for shared, refused in by_reason.items():
        titles = [title for title, _ in refused]
        if len(titles) == 1:
            lines.append(f"{titles[0]} is not offered: {refused[0][1]}")
        else:
            lines.append(f"{', '.join(titles[:-1])} and {titles[-1]} are not offered: {shared}")
    return lines


_ANY_VERB = re.compile(r"\bmay [a-z ]+? it$")


def _lower_first(text: str) -> str:
    """'The system operator ...' reads on after the colon as 'the system operator ...'; names stay as they are."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first in _SENTENCE_STARTS else text


_SENTENCE_STARTS = frozenset({"The", "A", "Only", "This"})
