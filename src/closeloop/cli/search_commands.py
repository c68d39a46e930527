"""Handlers for `closeloop call list`, `closeloop search save|list|delete` and `closeloop search-index rebuild`.

`call list` takes the filters of the web calls list and of `GET /api/v1/calls` (one FilterSet serves all
three), as options: `--status awaiting_closure --closure-group mine --sort -age`.
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from typing import Any

from django.http import QueryDict

from closeloop.calls.filters import list_calls
from closeloop.calls.saved_searches import delete_saved_search, get_saved_search, save_search, saved_searches
from closeloop.calls.search import rebuild_search_index
from closeloop.closure.priority import priority_label

from .commands import CommandTree, Output

__all__ = ["register", "register_call_list"]

Actor = Any

# (option, query parameter, help); repeatable options take several values, combined with OR
_REPEATED = (
    ("--status", "status", "a status, or open / awaiting_closure (repeat for several)"),
    ("--type", "type", "a call type, e.g. incident (repeat for several)"),
    ("--priority", "priority", "1 to 4 or P1 to P4 (repeat for several)"),
)
_SINGLE = (
    ("--search", "q", "full-text search: words in the reference, summary, description, resolution, notes or contact"),
    ("--partition", "partition", "partition name"),
    ("--log-group", "log_group", "log group name or id; 'mine' for your groups"),
    ("--assigned-group", "assigned_group", "assigned group name or id; 'mine' for your groups"),
    ("--closure-group", "closure_group", "closure group name or id; 'mine' for your groups"),
    ("--assigned-analyst", "assigned_analyst", "user name, or 'me'"),
    ("--resolver", "resolver", "user name, or 'me'"),
    ("--closer", "closer", "user name, or 'me'"),
    ("--closure-analyst", "closure_analyst", "the analyst a call waits with for closure, or 'me'"),
    ("--contact", "contact", "part of the contact's name or e-mail address"),
    ("--logged-after", "logged_after", "date or date-time (ISO 8601), inclusive"),
    ("--logged-before", "logged_before", "date or date-time, exclusive"),
    ("--resolved-after", "resolved_after", None),
    ("--resolved-before", "resolved_before", None),
    ("--closed-after", "closed_after", None),
    ("--closed-before", "closed_before", None),
    ("--sort", "sort", "ref, summary, type, status, priority, partition, group, analyst, age, resolved, closed, "
                       "updated; '-' first for descending (default -age, newest first)"),
    ("--page", "page", "page number, from 1"),
    ("--page-size", "page_size", "calls per page (default 50, at most 200)"),
)


def _add_filters(p: ArgumentParser) -> None:
    for option, dest, text in _REPEATED:
        p.add_argument(option, dest=f"f_{dest}", action="append", default=None, help=text)
    for option, dest, text in _SINGLE:
        p.add_argument(option, dest=f"f_{dest}", default=None, help=text)
    rejected = p.add_mutually_exclusive_group()
    rejected.add_argument("--rejected", dest="f_rejected", action="store_const", const="true", default=None,
                          help="only calls rejected at least once")
    rejected.add_argument("--never-rejected", dest="f_rejected", action="store_const", const="false",
                          help="only calls never rejected")


def _query(args: Namespace, start: str = "") -> QueryDict:
    """The list's query from the options, over a saved search's query when one is named."""
    query = QueryDict(start, mutable=True)
    for key, value in vars(args).items():
        if key.startswith("f_") and value is not None:
            query.setlist(key[2:], value if isinstance(value, list) else [value])
    return query


def call_list(args: Namespace, actor: Actor) -> Output:
    start = get_saved_search(actor, args.saved).query if args.saved else ""
    page = list_calls(actor, _query(args, start))
    lines = [f"{page.count_text} call{'s' if page.count != 1 else ''} (page {page.page} of {page.pages})"]
    lines += [f"  {c.ref:<11} {c.status_headline:<25} {priority_label(c.priority):<11} {c.summary}"
              for c in page.calls]
    return Output("\n".join(lines), page.as_dict())


def search_save(args: Namespace, actor: Actor) -> Output:
    search = save_search(actor, args.name, _query(args))
    return Output(f"Saved search {search.name!r}: {search.query or '(every call)'}",
                  {"name": search.name, "query": search.query})


def search_list(args: Namespace, actor: Actor) -> Output:
    rows = [{"name": s.name, "query": s.query} for s in saved_searches(actor)]
    lines = [f"  {r['name']}: {r['query'] or '(every call)'}" for r in rows] or ["  (no saved searches)"]
    return Output("\n".join(["Saved searches:", *lines]), rows)


def search_delete(args: Namespace, actor: Actor) -> Output:
    delete_saved_search(actor, args.name)
    return Output(f"Deleted saved search {args.name!r}", {"deleted": args.name})


def search_index_rebuild(args: Namespace, actor: Actor) -> Output:
    from closeloop.calls.models import Call
    from closeloop.closure import NotAllowed

    if actor is not None:
        raise NotAllowed("Rebuilding the search index is the system operator's job: run it without --as")
    rebuild_search_index()
    count = Call.objects.count()
    return Output(f"Search index rebuilt: {count} calls", {"calls": count})


def register_call_list(tree: CommandTree, family: Any) -> None:
    """`closeloop call list`, in the `call` family."""
    p = tree.leaf(family, "list", call_list, "list and search calls you may see, open and closed")
    _add_filters(p)
    p.add_argument("--saved", metavar="NAME", help="start from one of your saved searches (options add to it)")


def register(tree: CommandTree) -> None:
    """Saved searches and the search index."""
    fam = tree.family("search", "your saved searches of the calls list")
    p = tree.leaf(fam, "save", search_save, "save the filters given under a name (replaces one of that name)")
    p.add_argument("name")
    _add_filters(p)
    tree.leaf(fam, "list", search_list, "list your saved searches")
    p = tree.leaf(fam, "delete", search_delete, "delete one of your saved searches")
    p.add_argument("name")
    fam = tree.family("search-index", "the full-text search index of calls")
    tree.leaf(fam, "rebuild", search_index_rebuild, "rebuild the index from every call (after a bulk load)")
