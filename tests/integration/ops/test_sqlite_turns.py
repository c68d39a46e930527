"""SQLite's writers take turns through the database's lock file (`closeloop.site.sqlite`): a writer holds its
turn from its BEGIN to its COMMIT and the next one waits for it, a turn ends with the transaction however it
ends, and a writer kept waiting past the database's timeout gets SQLite's own "database is locked"."""

from __future__ import annotations

import fcntl
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from closeloop.site.settings import _database


def _writer(path: Path, timeout: float = 30):  # type: ignore[no-untyped-def]
    config = _database(f"sqlite:///{path}")
    config["OPTIONS"] = {**config["OPTIONS"], "timeout": timeout}  # type: ignore[dict-item]
    return ConnectionHandler({"default": config})["default"]


def _begin(writer) -> None:  # type: ignore[no-untyped-def]
    writer.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)  # as `atomic` does


def _end(writer, commit: bool = True) -> None:  # type: ignore[no-untyped-def]
    writer.commit() if commit else writer.rollback()
    writer.set_autocommit(True)


@pytest.fixture
def database(tmp_path: Path, django_db_blocker) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """A database file of its own (not the test database), its connections made here."""
    path = tmp_path / "desk.sqlite3"
    with django_db_blocker.unblock():
        first = _writer(path)
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE counter (n integer)")
            cursor.execute("INSERT INTO counter VALUES (0)")
        first.close()
        yield path


def _write_in_thread(path: Path, began: list[float], failed: list[Exception], timeout: float = 30) -> threading.Thread:
    def write() -> None:
        writer = _writer(path, timeout)
        try:
            _begin(writer)
            began.append(time.monotonic())
            with writer.cursor() as cursor:
                cursor.execute("UPDATE counter SET n = n + 1")
            _end(writer)
        except Exception as exc:  # the test reads it
            failed.append(exc)
        finally:
            writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def _turn_taken(path: Path) -> bool:
    """Whether some writer holds the database's turn now (tried from a descriptor of the test's own)."""
    probe = os.open(f"{path}-writers", os.O_RDWR)
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(probe)
    return False


def test_a_writer_holds_its_turn_from_begin_to_commit_and_the_next_one_waits_for_it(database):
    holder = _writer(database)
    _begin(holder)
    assert _turn_taken(database)
    with holder.cursor() as cursor:
        cursor.execute("UPDATE counter SET n = n + 10")
    began: list[float] = []
    failed: list[Exception] = []
    waiting = _write_in_thread(database, began, failed)
    time.sleep(0.3)
    assert began == [], "the second writer began while the first held its turn"
    _end(holder)
    waiting.join(5)
    assert failed == [] and len(began) == 1 and not _turn_taken(database)
    with holder.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 11
    holder.close()


@pytest.mark.parametrize("ending", ["rollback", "close"])
def test_a_turn_ends_with_its_transaction_however_it_ends(database, ending):
    holder = _writer(database)
    _begin(holder)
    if ending == "rollback":
        _end(holder, commit=False)
    else:
        holder.close()
    assert not _turn_taken(database)
    began: list[float] = []
    failed: list[Exception] = []
    _write_in_thread(database, began, failed).join(5)
    assert failed == [] and len(began) == 1
    holder.close()


def test_a_writer_waiting_past_the_timeout_is_told_the_database_is_locked(database):
    holder = _writer(database)
    _begin(holder)
    began: list[float] = []
    failed: list[Exception] = []
    _write_in_thread(database, began, failed, timeout=0.2).join(10)
    assert began == [] and len(failed) == 1
    assert isinstance(failed[0], OperationalError) and "locked" in str(failed[0])
    _end(holder)
    holder.close()


def test_the_lock_file_is_the_owners_alone(database):
    holder = _writer(database)
    _begin(holder)
    _end(holder)
    holder.close()
    turns = Path(f"{database}-writers")
    assert turns.exists() and stat.S_IMODE(os.stat(turns).st_mode) == 0o600


def test_a_connection_takes_its_turns_on_the_database_it_is_connected_to(database, tmp_path):
    """A connection closed and opened again on another database file locks that file's turns, not the first's."""
    writer = _writer(database)
    _begin(writer)
    _end(writer)
    writer.close()
    other = tmp_path / "other.sqlite3"
    writer.settings_dict["NAME"] = str(other)
    _begin(writer)
    assert _turn_taken(other) and not _turn_taken(database)
    _end(writer)
    writer.close()
