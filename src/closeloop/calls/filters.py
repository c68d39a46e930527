"""The calls list's filters, defined once: the web page, `GET /api/v1/calls` and `closeloop call list` all
read the same query parameters through `CallFilterSet` and page the result with `list_calls`.

Every list starts from `Call.objects.visible_to(viewer)`, so no filter can reach another partition's calls;
names of partitions, groups and analysts are looked up only among the viewer's partitions, and a name
from elsewhere is refused exactly like one nobody has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import django_filters as filters
from django import forms
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import QueryDict

from closeloop.accounts.models import Analyst
from closeloop.closure import CLOSURE_STATUSES, OPEN_STATUSES, CallType, InvalidInput, NotFound, Status
from closeloop.closure.priority import priority_label
from closeloop.partitions.models import IpkGroup, Partition

from .models import Call, visible_partition_ids
from .present import call_as_dict
from .search import text_search

__all__ = ["CallFilterSet", "CallPage", "list_calls", "filter_calls", "SORT_FIELDS", "STATUS_CHOICES",
           "PAGE_SIZES", "MAX_PAGE_SIZE", "EXACT_COUNT_LIMIT",
           "CallCount", "count_calls", "normalise_query", "FILTER_NAMES"]

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)
# Counting more calls than this costs more than the page itself: above it the total is PostgreSQL's estimate
# ("about"). SQLite keeps no estimate, and counting every match walks them all (150-250 ms for 100k of 1M calls):
# beyond this many it says "more than" (counting to 10,000 cost it 80 ms for a partition's P1/P2 incidents).
EXACT_COUNT_LIMIT = 1_000

# Pseudo-statuses: the groups of statuses analysts ask for, beside each status itself.
STATUS_GROUPS: dict[str, tuple[str, frozenset[Status]]] = {
    "open": ("Open (not closed)", frozenset(OPEN_STATUSES)),
    "awaiting_closure": ("Awaiting closure", frozenset(CLOSURE_STATUSES)),
}
STATUS_CHOICES = [(key, label) for key, (label, _) in STATUS_GROUPS.items()] + [(s.value, s.label) for s in Status]
TYPE_CHOICES = [(t.value, t.label) for t in CallType]
PRIORITY_CHOICES = [(str(p), priority_label(p)) for p in range(1, 5)]

# The sorts: (column, the name a client gives). "age" sorts by the time logged: oldest first.
SORT_FIELDS = (
    ("ref", "ref"), ("summary", "summary"), ("call_type", "type"), ("status", "status"),
    ("priority", "priority"), ("partition__name", "partition"), ("assigned_group__name", "group"),
    ("assigned_analyst__username", "analyst"), ("logged_at", "age"), ("resolved_at", "resolved"),
    ("closed_at", "closed"), ("updated_at", "updated"),
)
DEFAULT_SORT = "-age"  # newest first



def _date_filter(column: str, lookup: str, label: str) -> filters.DateTimeFilter:
    """A date bound: a date or an ISO date-time (from, inclusive: `gte`; before, exclusive: `lt`)."""
    return filters.DateTimeFilter(field_name=column, lookup_expr=lookup, label=label,
                                  widget=forms.DateInput(attrs={"type": "date"}))


# Multi-valued filters also take comma-separated values ("status=open,awaiting_closure").
_MULTI = ("status", "type", "priority")
ME, MINE = "me", "mine"
_YES_NO = {"yes": "true", "1": "true", "on": "true", "no": "false", "0": "false", "off": "false",
           "true": "true", "false": "false"}


def _choice_key(raw: str) -> str:
    """A user-typed choice as its key: 'Forward for Closure', 'closed/unresolved', 'P2' all work."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_").replace("/", "_")
    return key[1:] if len(key) == 2 and key[0] == "p" and key[1].isdigit() else key


def normalise_query(data: QueryDict | dict[str, Any] | None) -> QueryDict:
    """The list's query with multi-valued filters split on commas and written as their keys."""
    query = QueryDict(mutable=True)
    if data is None:
        return query
    items = data.lists() if isinstance(data, QueryDict) else (
        (k, v if isinstance(v, list | tuple) else [v]) for k, v in data.items())
    for key, values in items:
        values = [str(v) for v in values if v is not None and str(v) != ""]
        if key in _MULTI:
            values = [_choice_key(part) for v in values for part in v.split(",") if part.strip()]
        elif key == "rejected":
            values = [_YES_NO.get(v.strip().lower(), v) for v in values]
        if values:
            query.setlist(key, values)
    return query


class _SortFilter(filters.OrderingFilter):
    """The list's `sort`: any shown column, `-` for descending; the newest first when none is given.
    The call's id breaks ties, so pages never overlap."""

    def filter(self, qs: QuerySet[Call], value: Any) -> QuerySet[Call]:
        ordering = [self.get_ordering_value(param) for param in (value or [DEFAULT_SORT])]
        return qs.order_by(*ordering, "-id")


class CallFilterSet(filters.FilterSet):
    """Filters of the calls list; all optional, combined with AND (values of one filter with OR)."""

    q = filters.CharFilter(method="filter_text", label="Search",
                           help_text="Words in the reference, summary, description, resolution, notes or contact")
    # distinct=False: these are columns of the call itself, so no join can repeat a row (django-filter's
    # default DISTINCT would make PostgreSQL sort every matching call before taking a page)
    status = filters.MultipleChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label="Status",
                                          widget=forms.CheckboxSelectMultiple, distinct=False)
    type = filters.MultipleChoiceFilter(field_name="call_type", choices=TYPE_CHOICES, label="Type",
                                        widget=forms.CheckboxSelectMultiple, distinct=False)
    priority = filters.MultipleChoiceFilter(choices=PRIORITY_CHOICES, label="Priority",
                                            widget=forms.CheckboxSelectMultiple, distinct=False)
    partition = filters.CharFilter(method="filter_partition", label="Partition")
    log_group = filters.CharFilter(method="filter_group", label="Log group")
    assigned_group = filters.CharFilter(method="filter_group", label="Assigned group")
    closure_group = filters.CharFilter(method="filter_group", label="Closure group",
                                       help_text="The group the call waits in (or waited in) for closure")
    assigned_analyst = filters.CharFilter(method="filter_analyst", label="Assigned analyst")
    resolver = filters.CharFilter(method="filter_analyst", label="Resolver")
    closer = filters.CharFilter(method="filter_analyst", label="Closer")
    closure_analyst = filters.CharFilter(method="filter_analyst", label="Closing analyst",
                                         help_text="The analyst the call waits with for closure")
    # the API's earlier names of the two closure filters
    closure_target_group = filters.CharFilter(method="filter_group", label="Closure group")
    closure_target_analyst = filters.CharFilter(method="filter_analyst", label="Closing analyst")
    contact = filters.CharFilter(method="filter_contact", label="Contact",
                                 help_text="Part of the contact's name or e-mail address")
    logged_after = _date_filter("logged_at", "gte", "Logged from")
    logged_before = _date_filter("logged_at", "lt", "Logged before")
    resolved_after = _date_filter("resolved_at", "gte", "Resolved from")
    resolved_before = _date_filter("resolved_at", "lt", "Resolved before")
    closed_after = _date_filter("closed_at", "gte", "Closed from")
    closed_before = _date_filter("closed_at", "lt", "Closed before")
    rejected = filters.ChoiceFilter(choices=[("true", "Rejected at least once"), ("false", "Never rejected")],
                                    method="filter_rejected", label="Rejections", empty_label="Any")
    sort = _SortFilter(fields=SORT_FIELDS, label="Sort")

    GROUP_COLUMNS = {"log_group": "log_group_id", "assigned_group": "assigned_group_id",
                     "closure_group": "closure_target_group_id", "closure_target_group": "closure_target_group_id"}
    ANALYST_COLUMNS = {"assigned_analyst": "assigned_analyst_id", "resolver": "resolved_by_id",
                       "closer": "closed_by_id", "closure_analyst": "closure_target_analyst_id",
                       "closure_target_analyst": "closure_target_analyst_id"}

    class Meta:
        model = Call
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *, viewer: Analyst | None, **kwargs: Any) -> None:
        query = normalise_query(data)
        self.viewer = viewer
        # a text search reads the viewer's partitions once: the index looks its words up in them, and on SQLite
        # the list names them as constants, for its planner to weigh against the other filters (`visible_to`)
        searching = any(character.isalnum() for character in query.get("q", ""))
        self.partition_ids = visible_partition_ids(viewer) if searching and viewer is not None else None
        super().__init__(query, queryset=Call.objects.visible_to(viewer, listed=self.partition_ids), **kwargs)

    @property
    def newest_first(self) -> bool:
        return (self.form.cleaned_data.get("sort") or [DEFAULT_SORT]) == [DEFAULT_SORT]

    # -- the filters that look names up among the viewer's partitions
    def _partitions(self) -> QuerySet[Partition]:
        return Partition.objects.visible_to(self.viewer)

    def filter_text(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        condition = text_search(value, self.partition_ids, newest_first=self.newest_first)
        return qs.filter(condition) if condition is not None else qs

    def filter_status(self, qs: QuerySet[Call], name: str, value: list[str]) -> QuerySet[Call]:
        statuses = {s.value for v in value for s in (STATUS_GROUPS[v][1] if v in STATUS_GROUPS else {Status(v)})}
        return qs.filter(status__in=sorted(statuses))

    def filter_partition(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        partition = self._partitions().filter(name__iexact=value.strip()).first()
        if partition is None:
            raise NotFound(f"No partition named {value!r}", field=name)  # as anywhere else: its name does not leak
        return qs.filter(partition_id=partition.id)

    def filter_group(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        value = value.strip()
        groups = IpkGroup.objects.filter(partition__in=self._partitions())
        if value.lower() == MINE:
            if self.viewer is None:
                raise InvalidInput(f"{name}={MINE} needs an analyst (the system operator has no groups)", field=name)
            groups = groups.filter(members=self.viewer)
        else:
            groups = groups.filter(Q(name__iexact=value) | (Q(id=int(value)) if value.isdigit() else Q()))
        # the ids, looked up first: a list the planner can match to each queue's index, where a subquery
        # would make it walk every call newest first
        ids = list(groups.values_list("id", flat=True))
        if not ids and value.lower() != MINE:
            raise InvalidInput(f"No group named {value!r} in your partitions", field=name)
        return qs.filter(**{f"{self.GROUP_COLUMNS[name]}__in": ids})

    def filter_analyst(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        value = value.strip()
        if value.lower() == ME:
            if self.viewer is None:
                raise InvalidInput(f"{name}={ME} needs an analyst: use --as or a user name", field=name)
            return qs.filter(**{self.ANALYST_COLUMNS[name]: self.viewer.id})
        analyst = Analyst.objects.filter(username=value, memberships__partition__in=self._partitions()).first()
        if analyst is None:
            raise InvalidInput(f"No analyst with user name {value!r} in your partitions", field=name)
        return qs.filter(**{self.ANALYST_COLUMNS[name]: analyst.id})

    def filter_contact(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        value = value.strip()
        return qs.filter(Q(contact__name__icontains=value) | Q(contact__email__icontains=value))

    def filter_rejected(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        return qs.filter(times_rejected__gt=0) if value == "true" else qs.filter(times_rejected=0)

    # -- the one way a bad filter is reported
    def first_error(self) -> InvalidInput | None:
        """The first refused filter value as the error every entry point reports (naming the field)."""
        if self.is_valid():
            return None
        name, messages = next(iter(self.errors.items()))
        label = self.filters[name].label if name in self.filters else name
        return InvalidInput(f"{label}: {' '.join(str(m) for m in messages)}", field=name)


def filter_calls(viewer: Analyst | None, data: QueryDict | dict[str, Any] | None, *,
                 filterset: CallFilterSet | None = None) -> QuerySet[Call]:
    """The calls the viewer may see that match the filters, sorted; raises InvalidInput for a bad filter.
    `filterset`: the one made of the same viewer and data for a form already, used rather than made again."""
    if filterset is None:
        filterset = CallFilterSet(data, viewer=viewer)
    if (error := filterset.first_error()) is not None:
        raise error
    return filterset.qs


@dataclass(frozen=True)
class CallCount:
    """How many calls a list holds: counted (`exact`), PostgreSQL's estimate, or (`at_least`) a floor: more than
    `value` match, counted no further."""

    value: int
    exact: bool
    at_least: bool = False

    @property
    def text(self) -> str:
        return str(self.value) if self.exact else f"more than {self.value}" if self.at_least else f"about {self.value}"


@dataclass
class CallPage:
    """One page of the calls list, with its total (`CallCount`: above EXACT_COUNT_LIMIT an estimate, said as
    "about", or on SQLite a floor, said as "more than")."""

    calls: list[Call]
    total: CallCount
    page: int
    page_size: int
    query: QueryDict = field(default_factory=QueryDict)

    @property
    def count(self) -> int:
        return self.total.value

    @property
    def count_exact(self) -> bool:
        return self.total.exact

    @property
    def count_at_least(self) -> bool:
        return self.total.at_least

    @property
    def count_text(self) -> str:
        return self.total.text

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        # past a floor there are more pages than counted: a full page may have one after it
        return self.page < self.pages or (self.count_at_least and len(self.calls) == self.page_size)

    def as_dict(self) -> dict[str, Any]:
        """The page as the API and `closeloop call list --json` show it."""
        return {"count": self.count, "count_exact": self.count_exact, "count_at_least": self.count_at_least,
                "page": self.page,
                "page_size": self.page_size, "pages": self.pages, "items": [call_as_dict(c) for c in self.calls]}


def _whole_number(data: QueryDict, name: str, default: int, low: int, high: int) -> int:
    raw = data.get(name, "")
    if raw in ("", None):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number (got {raw!r})", field=name) from None
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be from {low} to {high} (got {value})", field=name)
    return value


def _estimate(qs: QuerySet[Call]) -> int:
    """PostgreSQL's estimate of the rows a query returns (its planner statistics, not a count)."""
    sql, params = qs.order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_calls(qs: QuerySet[Call]) -> CallCount:
    """Counted up to EXACT_COUNT_LIMIT; beyond it PostgreSQL's estimate, and on SQLite, which keeps no estimate,
    a floor."""
    bounded = qs.order_by()[:EXACT_COUNT_LIMIT + 1].count()
    if bounded <= EXACT_COUNT_LIMIT:
        return CallCount(bounded, exact=True)
    if connection.vendor == "postgresql":
        return CallCount(max(_estimate(qs), bounded), exact=False)
    return CallCount(EXACT_COUNT_LIMIT, exact=False, at_least=True)


def list_calls(viewer: Analyst | None, data: QueryDict | dict[str, Any] | None, *,
               default_page_size: int = DEFAULT_PAGE_SIZE, filterset: CallFilterSet | None = None) -> CallPage:
    """One page of the calls list for `data` (filters, `sort`, `page`, `page_size`), shown names joined
    (`filterset`: as for `filter_calls`)."""
    query = normalise_query(data)
    rows = filter_calls(viewer, query, filterset=filterset)
    page_size = _whole_number(query, "page_size", default_page_size, 1, MAX_PAGE_SIZE)
    page = _whole_number(query, "page", 1, 1, 10**9)
    counted = count_calls(rows)
    pages = max(1, -(-counted.value // page_size))
    if page > pages and counted.exact:
        raise InvalidInput(f"There are only {pages} page(s) of {page_size}", field="page")
    start = (page - 1) * page_size
    calls = list(rows.with_relations()[start:start + page_size])
    return CallPage(calls, counted, page, page_size, query)


FILTER_NAMES = tuple(CallFilterSet.base_filters)
