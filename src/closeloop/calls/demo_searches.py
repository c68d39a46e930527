"""The demo desk's saved searches: what the demo analysts keep coming back to on the calls list."""

from __future__ import annotations

from closeloop.accounts.models import Analyst

from .saved_searches import save_search

__all__ = ["DEMO_SEARCHES", "load_demo_saved_searches"]

# username: [(name, the calls list's query)]
DEMO_SEARCHES: dict[str, list[tuple[str, str]]] = {
    "carol": [("My team's waiting closures", "status=awaiting_closure&closure_group=mine&sort=age"),
              ("Rejected at least once", "rejected=true&sort=-age")],
    "dave": [("My team's waiting closures", "status=awaiting_closure&closure_group=mine&sort=age")],
    "rita": [("My open calls by priority", "status=open&assigned_analyst=me&sort=priority"),
             ("VPN trouble", "q=vpn")],
    "alice": [("Logged by my groups, still open", "status=open&log_group=mine")],
    "grace": [("Facilities closed this year", "status=closed&sort=-closed")],
}


def load_demo_saved_searches() -> int:
    """Save the demo analysts' searches; returns how many were saved."""
    saved = 0
    for analyst in Analyst.objects.filter(username__in=DEMO_SEARCHES):
        for name, query in DEMO_SEARCHES[analyst.username]:
            save_search(analyst, name, query)
            saved += 1
    return saved
