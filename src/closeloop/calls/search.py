"""Full-text search over calls: one search document per call, kept by the database's own engine.

A call's document holds its reference, summary, description, resolution, closure comments, every note of
its history (work-log notes and the notes given with actions) and its contact's name and e-mail address.
PostgreSQL keeps it as a `tsvector` with a GIN index (table `calls_search`); SQLite as an FTS5 virtual
table of the same name. Both split text into words the same way (letters and digits; punctuation
separates words, nothing is stemmed), so a search finds the same calls on either engine. Both index know each
document's partition, so that the index answers a search within the searcher's partitions only, however
common the word is elsewhere: on PostgreSQL each word is stored with its call's partition before it
("p2xprinter"); SQLite's table has a second column holding the partition as a word of its own ("p2").

The document is rewritten by the database itself, by a trigger on the change that alters what the call is
found by (`search_trigger_sql`): in the statement that makes the change, so a rolled-back change leaves the
index as it was, a change made in bulk (a queryset update) is found like one made by an action, and keeping
the index costs an action no statement of its own. The triggers are put back after every migration (SQLite
loses a table's triggers when a migration rebuilds the table). Bulk loads (`closeloop generate`, restore)
pause them and call `rebuild_search_index` once at the end; `closeloop search-index rebuild` does the same.

Query syntax: words are all required and each matches the start of a word ("print" finds "printer");
"quoted words" must appear together in that order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db import connections, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from closeloop.closure import InvalidInput
from closeloop.partitions.models import Partition

__all__ = ["SEARCH_TABLE", "create_search_index_sql", "drop_search_index_sql",
           "rebuild_search_index", "text_search", "RARE_MATCHES", "parse_search", "search_trigger_sql",
           "keep_search_triggers", "search_triggers_paused", "keep_search_triggers_after_migrating"]

SEARCH_TABLE = "calls_search"
_MAX_TERMS = 12
# A search with at most this many matches in the viewer's partitions is answered from the list of them (read
# from the index); with more, matches are common enough that walking the calls newest first finds a page
# of them at once. Both plans are fast on their side of the line; each is slow on the other.
RARE_MATCHES = 5_000
# Above this many estimated matches the list is not even read: the words' statistics are per partition, so the
# estimate is close (25,896 for 24,876 "printer" calls of one partition at 1M calls).
COMMON_MATCHES = 4 * RARE_MATCHES

# The call's searchable text, one expression per engine (NULL columns skipped).
_PG_TEXT = """concat_ws(' ', c.ref, c.summary, c.description, c.resolution, c.closure_comments, ct.name, ct.email,
    (SELECT string_agg(e.note, ' ') FROM calls_callevent e WHERE e.call_id = c.id AND e.note <> ''))"""
_SQLITE_TEXT = """c.ref || ' ' || c.summary || ' ' || c.description || ' ' || c.resolution || ' ' ||
    c.closure_comments || ' ' || coalesce(ct.name, '') || ' ' || coalesce(ct.email, '') || ' ' ||
    coalesce((SELECT group_concat(e.note, ' ') FROM calls_callevent e WHERE e.call_id = c.id AND e.note <> ''), '')"""
_FROM = "FROM calls_call c LEFT JOIN contacts_contact ct ON ct.id = c.contact_id"


def create_search_index_sql(vendor: str) -> list[str]:
    """The statements that create the search table on this engine (for the migration)."""
    if vendor == "postgresql":
        return [
            f"CREATE TABLE IF NOT EXISTS {SEARCH_TABLE} (call_id bigint PRIMARY KEY, document tsvector NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {SEARCH_TABLE}_document ON {SEARCH_TABLE} USING gin (document)",
        ]
    if vendor == "sqlite":
        return [
            f"""CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5(document, part,
                tokenize = 'unicode61 remove_diacritics 0')""",
        ]
    raise InvalidInput(f"Full-text search supports PostgreSQL and SQLite, not {vendor}", field="DATABASE_URL")


def drop_search_index_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        triggers = [s for name, table, *_ in _TRIGGERS
                    for s in (f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()")]
    else:
        triggers = [f"DROP TRIGGER IF EXISTS {name}" for name, *_ in _TRIGGERS]
    return [*triggers, f"DROP TABLE IF EXISTS {SEARCH_TABLE}"]


def _write_sql(vendor: str, where: str) -> str:
    if vendor == "postgresql":
        # punctuation separates words, as FTS5's tokenizer does: "priya.patel@example.com" is three words
        # each word is written with its call's partition before it ("printer" in partition 2: "p2xprinter"),
        # so a search looks up only the words of the searcher's partitions (see `text_search`)
        return f"""INSERT INTO {SEARCH_TABLE} (call_id, document)
            SELECT c.id, to_tsvector('simple', regexp_replace(regexp_replace({_PG_TEXT}, '[[:punct:]]+', ' ', 'g'),
                '([[:alnum:]]+)', 'p' || c.partition_id || 'x\\1', 'g')) {_FROM} {where}
            ON CONFLICT (call_id) DO UPDATE SET document = EXCLUDED.document"""
    # the partition in a column of its own, one word ("p2"), which a search ANDs with its words
    return (f"INSERT OR REPLACE INTO {SEARCH_TABLE} (rowid, document, part) "
            f"SELECT c.id, {_SQLITE_TEXT}, 'p' || c.partition_id {_FROM} {where}")


def rebuild_search_index(using: Any = None) -> None:
    """Rewrite every call's search document (after a bulk load, a restore, or to repair the index)."""
    connection = using or default_connection
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SEARCH_TABLE}")
        cursor.execute(_write_sql(connection.vendor, "WHERE 1 = 1"))


# The changes that alter what a call is found by, each kept in step by a trigger in the same statement: (name,
# table, event, condition, the calls to rewrite). A call logged; a note recorded (or corrected) in its history;
# one of its own words, its contact or its partition changed; a contact's name or address corrected (every call
# of theirs). A deleted call leaves no document behind (`_FORGET`).
_CALL_WORDS = ("ref", "summary", "description", "resolution", "closure_comments", "contact_id", "partition_id")
_FORGET = "calls_search_forget"
_PAUSED = "closeloop.search_paused"  # PostgreSQL: this session's bulk load writes past the triggers
_TRIGGERS = (
    (_FORGET, "calls_call", "DELETE", "", ""),
    ("calls_search_call_logged", "calls_call", "INSERT", "", "c.id = NEW.id"),
    ("calls_search_call_changed", "calls_call", "UPDATE OF " + ", ".join(_CALL_WORDS),
     " OR ".join(f"OLD.{c} {{differs}} NEW.{c}" for c in _CALL_WORDS), "c.id = NEW.id"),
    ("calls_search_note", "calls_callevent", "INSERT", "NEW.note <> ''", "c.id = NEW.call_id"),
    ("calls_search_note_corrected", "calls_callevent", "UPDATE OF note", "OLD.note {differs} NEW.note",
     "c.id = NEW.call_id"),
    ("calls_search_contact", "contacts_contact", "UPDATE OF name, email",
     "OLD.name {differs} NEW.name OR OLD.email {differs} NEW.email", "c.contact_id = NEW.id"),
)


def search_trigger_sql(vendor: str) -> list[str]:
    """The statements that (re)create the triggers keeping each call's document in step with its call: run after
    every migration (a table SQLite rebuilds for a migration loses its triggers), each dropped first so that a
    changed definition replaces the old one."""
    statements = []
    for name, table, event, condition, calls in _TRIGGERS:
        if name == _FORGET:
            body = (f"DELETE FROM {SEARCH_TABLE} WHERE call_id = OLD.id" if vendor == "postgresql"
                    else f"DELETE FROM {SEARCH_TABLE} WHERE rowid = OLD.id")
        else:
            body = _write_sql(vendor, "WHERE " + calls)
        if vendor == "postgresql":
            when = f"WHEN ({condition.format(differs='IS DISTINCT FROM')})" if condition else ""
            statements += [
                f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN
                    IF current_setting('{_PAUSED}', true) = 'on' THEN RETURN NULL; END IF;
                    {body}; RETURN NULL; END $$ LANGUAGE plpgsql""",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} EXECUTE FUNCTION {name}()",
            ]
        else:
            when = f"WHEN {condition.format(differs='IS NOT')}" if condition else ""
            statements += [f"DROP TRIGGER IF EXISTS {name}",
                           f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when} BEGIN {body}; END"]
    return statements


def keep_search_triggers(using: Any = None) -> None:
    """Create (or replace) the triggers that keep the search documents in step, in one transaction."""
    connection = using or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in search_trigger_sql(connection.vendor):
            cursor.execute(statement)


@contextmanager
def search_triggers_paused(using: Any = None) -> Iterator[None]:
    """Rows written in bulk (`closeloop generate`, a restore) skip the per-row triggers, and the index is rebuilt
    once at the end instead. PostgreSQL pauses them for this session only (a setting their functions read; for
    the transaction when inside one); SQLite, whose writers take turns anyway, drops them and puts them back.
    Inside a transaction the pause is part of it (a rollback ends it); outside, it ends even if the load fails
    (and every migration puts the triggers back in any case)."""
    connection = using or default_connection
    _pause(connection, True)
    try:
        yield
    except BaseException:
        if not connection.in_atomic_block:
            _pause(connection, False)
        raise
    _pause(connection, False)


def _pause(connection: Any, paused: bool) -> None:
    if connection.vendor != "postgresql":
        if paused:
            with connection.cursor() as cursor:
                for name, *_ in _TRIGGERS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            keep_search_triggers(using=connection)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, %s)", [_PAUSED, "on" if paused else "off",
                                                          connection.in_atomic_block])


def keep_search_triggers_after_migrating(using: str, **kwargs: Any) -> None:
    """`post_migrate`: the triggers of a migrated database (not one migrated back before the search index)."""
    connection = connections[using]
    if {"calls_call", "calls_callevent", "contacts_contact", SEARCH_TABLE} <= set(
            connection.introspection.table_names()):
        keep_search_triggers(using=connection)


_TOKEN = re.compile(r"\"([^\"]*)\"?|([^\W_]+)")


def parse_search(text: str) -> list[list[str]]:
    """The search's terms: each a list of words that must appear together ("a phrase"), or a single word."""
    terms: list[list[str]] = []
    for phrase, word in _TOKEN.findall(text.lower()):
        words = re.findall(r"[^\W_]+", phrase) if phrase else [word]
        if words:
            terms.append(words)
    if len(terms) > _MAX_TERMS:
        raise InvalidInput(f"A search takes at most {_MAX_TERMS} words or phrases (got {len(terms)})", field="q")
    return terms


def _match_expression(vendor: str, terms: list[list[str]], partition_ids: list[int] | None) -> str:
    """The engine's query for `terms` in the partitions `partition_ids` (None: every partition, SQLite only)."""
    if vendor == "postgresql":
        # in a phrase only the last word may be the start of a word, as in FTS5's `"a b" *`; each term is looked
        # for in each of the searcher's partitions, whose words carry the partition ("p2xprinter")
        def phrase(words: list[str], prefix: str) -> str:
            return "(" + " <-> ".join([*(prefix + w for w in words[:-1]), f"{prefix}{words[-1]}:*"]) + ")"

        prefixes = [f"p{int(p)}x" for p in partition_ids or ()]
        return " & ".join("(" + " | ".join(phrase(words, prefix) for prefix in prefixes) + ")" for words in terms)
    # only the document's words: the partition column holds words too ("p2")
    words = "document : (" + " AND ".join('"' + " ".join(words) + '" *' for words in terms) + ")"
    if partition_ids is None:
        return words
    return words + " AND part : (" + " OR ".join(f"p{int(p)}" for p in partition_ids) + ")"


def _matches_sql(vendor: str) -> str:
    """The ids of the calls whose document matches the query given as its one parameter."""
    if vendor == "postgresql":
        return f"SELECT call_id FROM {SEARCH_TABLE} WHERE document @@ to_tsquery('simple', %s)"
    return f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s"


def _estimated_matches(match: str) -> int:
    """PostgreSQL's estimate of the matches (its statistics know each partition's words apart)."""
    with default_connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {_matches_sql('postgresql')}", [match])
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _matching_ids(match: str, limit: int) -> list[int]:
    """Up to `limit` ids of the calls whose document matches."""
    with default_connection.cursor() as cursor:
        cursor.execute(f"{_matches_sql(default_connection.vendor)} LIMIT %s", [match, limit])
        return [row[0] for row in cursor.fetchall()]


def text_search(text: str, partition_ids: list[int] | None = None, *, newest_first: bool = True) -> Q | None:
    """A condition on calls: their document matches `text`. None when `text` holds no word at all (the search
    then does not filter). `partition_ids`: the partitions the searcher may see (None: every partition);
    `newest_first` says the list is sorted newest first.

    A reference is found like any other words: "INC-000042" is the words "inc" and "000042", which its own
    call's document holds (and so do the calls whose notes mention it). No `OR ref = ...` beside the index:
    that would make the database read every call.

    When the matches in the searcher's partitions are few (RARE_MATCHES or fewer) the condition is the list
    of them, and the page is read by id and sorted; otherwise the database walks the calls newest first and
    keeps the matching ones, which finds a page at once when matches are common. Neither planner can choose
    between the two by itself: a word common in the desk may be rare in the searcher's partitions, and
    walking the newest calls for it read 250,000 calls to find 50 (1.7 s at 1M calls on PostgreSQL).

    Either index yields only the matches in the searcher's partitions (see the module's doc). PostgreSQL's
    statistics estimate how many there are; SQLite's FTS5 estimates nothing, so they are read up to the line.
    For common matches on SQLite, newest first, the condition is written so that no index serves it (`+id IN`):
    SQLite, which cannot tell how many calls a subquery yields, would read every match through the calls'
    primary key and sort them; this leaves it the newest calls to walk, or the other filters' indexes (with the
    list's partitions named, `Call.objects.visible_to(..., listed=...)`). Sorted otherwise, it reads them."""
    terms = parse_search(text)
    if not terms:
        return None
    vendor = default_connection.vendor
    if partition_ids is None and vendor == "postgresql":  # every word carries a partition: name them all
        partition_ids = list(Partition.objects.order_by().values_list("id", flat=True))
    if partition_ids == []:
        return Q(pk__in=[])
    match = _match_expression(vendor, terms, partition_ids)
    # PostgreSQL: above COMMON_MATCHES estimated they are surely many, and not read first
    if vendor != "postgresql" or _estimated_matches(match) <= COMMON_MATCHES:
        ids = _matching_ids(match, RARE_MATCHES + 1)
        if len(ids) <= RARE_MATCHES:
            return Q(id__in=ids)
    if vendor != "postgresql" and newest_first:
        return Q(RawSQL(f'+"calls_call"."id" IN ({_matches_sql(vendor)})', [match], output_field=BooleanField()))
    return Q(id__in=RawSQL(_matches_sql(vendor), [match]))
