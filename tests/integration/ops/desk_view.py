"""Print what users of a desk see, as JSON: Calls Outstanding of some analysts and every report.

Run in a subprocess against a scratch database (`python -m tests.integration.ops.desk_view USER...`)
with the clock frozen at CLOSELOOP_VIEW_AT, so two databases can be compared figure by figure.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from typing import Any


def desk_view(usernames: list[str]) -> dict[str, Any]:
    from closeloop.accounts.models import Analyst
    from closeloop.calls.present import call_as_dict
    from closeloop.calls.queries import outstanding_calls, outstanding_summary
    from closeloop.partitions.models import Partition

    view: dict[str, Any] = {}
    for analyst in Analyst.objects.filter(username__in=usernames).order_by("username"):
        view[f"outstanding {analyst.username}"] = {
            "summary": outstanding_summary(analyst).as_dict(),
            "calls": [call_as_dict(c) for c in outstanding_calls(analyst).order_by("logged_at", "id")],
        }
    try:
        from closeloop.reports.services import REPORTS, run_report
    except ImportError:  # reports not installed: Calls Outstanding and the counts are compared
        return view
    for partition in Partition.objects.order_by("name"):
        for name in REPORTS:
            report = run_report(name, partition.name, None)
            view[f"{name} {partition.name}"] = {"rows": report.rows, "columns": [c.key for c in report.columns]}
    return view


def main() -> None:
    import django
    from django.utils import timezone

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closeloop.site.settings")
    django.setup()
    frozen = datetime.fromisoformat(os.environ["CLOSELOOP_VIEW_AT"])
    timezone.now = lambda: frozen  # every age and default period is measured from the same instant
    print(json.dumps(desk_view(sys.argv[1:]), default=str, sort_keys=True))


if __name__ == "__main__":
    main()
