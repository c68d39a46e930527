"""The demo desk's call catalogue: a category tree per partition, the Default partition's own priority matrix,
every demo call filed under its category with an impact and urgency that give its priority, and a few open
calls edited by their analysts (so the history shows edits)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from closeloop.accounts.models import Analyst
from closeloop.calls.editing import edit_call
from closeloop.calls.models import Call
from closeloop.closure import CloseloopError
from closeloop.desk import DEFAULT_PARTITION
from closeloop.partitions import catalogue
from closeloop.partitions.models import Partition

__all__ = ["CATEGORIES", "load_demo_catalogue"]

# partition: {top-level category: [children]}
CATEGORIES = {
    DEFAULT_PARTITION: {
        "Hardware": ["Laptop", "Printer", "Monitor"],
        "Software": ["E-mail", "Teams"],
        "Network": ["VPN", "Wi-Fi"],
        "Access": ["Password reset", "New starter", "Shared drives"],
    },
    "Facilities": {
        "Building": ["Heating and cooling", "Lighting"],
        "Equipment": ["Booking kiosks"],
    },
}
# words of a demo call's summary -> the category path it is filed under
FILED_UNDER = [
    ("Outlook", "Software › E-mail"), ("VPN", "Network › VPN"), ("Printer", "Hardware › Printer"),
    ("Wi-Fi", "Network › Wi-Fi"), ("New starter", "Access › New starter"), ("Shared drive", "Access › Shared drives"),
    ("Teams", "Software › Teams"), ("Password reset", "Access › Password reset"), ("Monitor", "Hardware › Monitor"),
    ("Laptop", "Hardware › Laptop"), ("Air conditioning", "Building › Heating and cooling"),
    ("Light", "Building › Lighting"), ("Desk booking", "Equipment › Booking kiosks"),
]
MATRIX_REASON = "Demo desk: a low-impact call that stops someone's work is still P2 here"


def load_demo_catalogue(now: datetime, seed: int = 13) -> None:
    """Categories, the Default partition's matrix, every call filed and sized, then three edits."""
    rng = random.Random(seed)
    for partition in Partition.objects.filter(name__in=CATEGORIES):
        for top, children in CATEGORIES[partition.name].items():
            parent = catalogue.add_category(partition, top, change_reason="Demo desk: the category tree")
            for child in children:
                catalogue.add_category(partition, child, parent=parent, change_reason="Demo desk: the category tree")
    default = Partition.objects.get(name=DEFAULT_PARTITION)
    catalogue.set_priority_matrix(default, {"3,1": 2}, None, MATRIX_REASON)
    for partition in Partition.objects.filter(name__in=CATEGORIES):
        _file_calls(partition, rng)
    _edit_some_calls(default, now)


def _file_calls(partition: Partition, rng: random.Random) -> None:
    """The demo's calls were logged with a priority only: give each the impact × urgency its priority comes
    from under the partition's matrix, and the category its summary names (as the desk would have filed it)."""
    matrix = catalogue.load_matrix(partition)
    cells = defaultdict(list)
    for cell, priority in sorted(matrix.items()):
        cells[priority].append(cell)
    paths = {node.path: node.category.id for node in catalogue.category_tree(partition)}
    batches: dict[tuple[int | None, int, int], list[int]] = defaultdict(list)
    for call_id, summary, priority in Call.objects.filter(partition=partition).values_list("id", "summary",
                                                                                           "priority"):
        category = next((paths.get(path) for words, path in FILED_UNDER if words.lower() in summary.lower()), None)
        impact, urgency = rng.choice(cells[priority]) if cells[priority] else (2, 2)
        batches[(category, impact, urgency)].append(call_id)
    for (category, impact, urgency), ids in batches.items():
        Call.objects.filter(id__in=ids).update(category_id=category, impact=impact, urgency=urgency)


def _edit_some_calls(partition: Partition, now: datetime) -> None:
    """Analysts correct three open calls: a clearer summary, a bigger impact, another category."""
    # not the calls the demo's other stories name by their summary (a refused or rejected resolution)
    open_calls = list(Call.objects.filter(partition=partition, status="assigned", assigned_analyst__isnull=False,
                                          times_refused=0, times_rejected=0).order_by("-logged_at")[:3])
    edits = [
        {"summary_suffix": " (whole floor affected)", "impact": 1},
        {"urgency_up": 1},
        {"category": "Hardware › Laptop", "description_suffix": "\nThe user's laptop, not the docking station."},
    ]
    for n, (call, change) in enumerate(zip(open_calls, edits, strict=False)):
        values: dict[str, object] = {k: v for k, v in change.items() if not k.endswith(("_suffix", "_up"))}
        if "urgency_up" in change:  # one step more urgent (or less, if it could not be more)
            values["urgency"] = call.urgency - 1 if call.urgency > 1 else 2
        if "summary_suffix" in change:
            values["summary"] = (call.summary + str(change["summary_suffix"]))[:200]
        if "description_suffix" in change:
            values["description"] = call.description + str(change["description_suffix"])
        analyst = Analyst.objects.get(pk=call.assigned_analyst_id)
        try:
            edit_call(call.ref, analyst, expected_version=call.version, at=now - timedelta(minutes=30 * (n + 1)),
                      **values)  # type: ignore[arg-type]
        except CloseloopError:
            continue  # e.g. nothing to change: the demo simply skips it

