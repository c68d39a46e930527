"""Handlers for `closeloop sampling show/set`: a partition's sampling policy (which resolved calls the closure
target must validate)."""

from __future__ import annotations

import argparse
from argparse import Namespace
from typing import Any

from closeloop.accounts.models import Analyst
from closeloop.calls.sampling_preview import preview_sampling_policy
from closeloop.closure import InvalidInput
from closeloop.closure.sampling import SamplingPolicy
from closeloop.partitions import sampling
from closeloop.partitions.services import partition_for

from .commands import CommandTree, Output

Actor = Analyst | None


def _sentence(policy: SamplingPolicy) -> str:
    if not policy.enabled:
        return "off: every resolved call is validated as the closure settings say"
    parts = [f"P{policy.min_priority} and above" if policy.min_priority else "",
             ", ".join(sorted(t.label for t in policy.call_types)),
             "calls rejected or refused before" if policy.rejected_or_refused_before else "",
             f"resolvers rejected over {policy.resolver_rejection_rate_above:g} % in 30 days"
             if policy.resolver_rejection_rate_above is not None else "",
             f"each resolver's first {policy.resolver_first_n} calls" if policy.resolver_first_n else ""]
    conditions = "; ".join(p for p in parts if p) or "no condition"
    return f"validate {conditions}; and {policy.random_percent:g} % of the rest at random"


def sampling_show(args: Namespace, actor: Actor) -> Output:
    partition = partition_for(args.partition, actor)
    row = sampling.sampling_settings(partition)
    data = sampling.describe_sampling(partition, row.as_value(), row.version)
    return Output(f"Sampling policy of {partition.name} (version {row.version}): {_sentence(row.as_value())}.",
                  data)


def _values(args: Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.enabled is not None:
        values["enabled"] = args.enabled
    if args.min_priority is not None and args.no_min_priority:
        raise InvalidInput("Give --min-priority or --no-min-priority, not both", field="min_priority")
    if args.min_priority is not None:
        values["min_priority"] = args.min_priority
    elif args.no_min_priority:
        values["min_priority"] = None
    if args.types is not None:
        values["call_types"] = [t for item in args.types for t in item.split(",") if t.strip()]
    if args.rejected_before is not None:
        values["rejected_or_refused_before"] = args.rejected_before
    if args.rejection_rate_above is not None:
        values["resolver_rejection_rate_above"] = args.rejection_rate_above
    if args.first_calls is not None:
        values["resolver_first_n"] = args.first_calls
    if args.random_percent is not None:
        values["random_percent"] = args.random_percent
    return values


def sampling_set(args: Namespace, actor: Actor) -> Output:
    partition = partition_for(args.partition, actor)
    saved = sampling.set_sampling_policy(partition, args.reason, actor, dry_run=args.dry_run, **_values(args))
    data = {**sampling.describe_sampling(partition, saved.policy, saved.version), "dry_run": saved.dry_run,
            "changed": saved.changed}
    if not saved.dry_run:
        verb = f"saved as version {saved.version}" if saved.changed else "is unchanged"
        return Output(f"Sampling policy of {partition.name} {verb}: {_sentence(saved.policy)}.", data)
    verb = "would be saved (dry run, not saved)" if saved.changed else "is unchanged (dry run)"
    preview = preview_sampling_policy(partition, saved.policy)
    text = "\n".join([f"Sampling policy of {partition.name} {verb}: {_sentence(saved.policy)}.", *preview.lines()])
    return Output(text, {**data, "preview": preview.as_dict()})


def register(tree: CommandTree) -> None:
    """Sampling policy commands."""
    sp = tree.family("sampling", "a partition's sampling policy: which resolved calls must be validated")
    p = tree.leaf(sp, "show", sampling_show, "show a partition's sampling policy")
    p.add_argument("--partition", help="partition name (needed if you work in several)")
    p = tree.leaf(sp, "set", sampling_set, "change a partition's sampling policy (needs --reason)")
    p.add_argument("--partition", help="partition name (needed if you work in several)")
    p.add_argument("--enabled", action=argparse.BooleanOptionalAction, default=None,
                   help="turn the policy on (--enabled) or off (--no-enabled)")
    p.add_argument("--min-priority", dest="min_priority", metavar="N", help="validate every call at P1..PN")
    p.add_argument("--no-min-priority", dest="no_min_priority", action="store_true",
                   help="drop the priority condition")
    p.add_argument("--types", action="append", metavar="TYPES",
                   help="call types always validated, comma-separated (e.g. major_incident); \"\" for none")
    p.add_argument("--rejected-before", dest="rejected_before", action=argparse.BooleanOptionalAction,
                   default=None, help="validate calls rejected or refused before")
    p.add_argument("--rejection-rate-above", dest="rejection_rate_above", metavar="PERCENT",
                   help="validate calls of resolvers rejected above this %% over 30 days (\"\" drops it)")
    p.add_argument("--first-calls", dest="first_calls", metavar="N", help="validate each resolver's first N calls")
    p.add_argument("--random-percent", dest="random_percent", metavar="PERCENT",
                   help="validate this %% of every other call at random")
    p.add_argument("--reason", "--change-reason", dest="reason", required=True, help="why (kept in the audit)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the policy, say what would be saved and preview which calls it would sample")
