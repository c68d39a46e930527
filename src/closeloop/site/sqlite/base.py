"""Django's SQLite backend, with the writers of one database file taking turns through a lock file.

Every transaction begins with `BEGIN IMMEDIATE` (it takes SQLite's write lock first). A second writer finds
the lock taken and waits in SQLite's busy handler, which sleeps 1 ms, then 2, 5, 10 ms and more between
tries, whatever the holder needs: an action holds the lock for well under a millisecond, so two gunicorn
workers spent most of their time asleep and served no more than one (docs/benchmarks.md). Here a writer
first takes its turn on `<database>-writers` with `flock`, trying again within a tenth of a millisecond, and
only then begins: the next writer starts as soon as the last one commits. A writer that waits longer than the
database's own timeout goes on to `BEGIN IMMEDIATE` and SQLite's usual wait and "database is locked". The
kernel releases a turn held by a process that dies. In-memory databases (the tests') have no file to share.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base

__all__ = ["DatabaseWrapper"]

_FIRST_WAIT, _LONGEST_WAIT = 0.00005, 0.0005  # seconds between tries for the turn


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turns: int | None = None  # the lock file's descriptor, open while the connection is
        self._has_turn = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._end_turn()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._end_turn()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._end_turn()
            if self._turns is not None:  # the next connection opens the lock file of the database it is to
                os.close(self._turns)
                self._turns = None

    def _take_turn(self) -> None:
        if self.transaction_mode != "IMMEDIATE" or self.is_in_memory_db():
            return
        if self._turns is None:
            self._turns = os.open(f"{self.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                  0o600)
        deadline = time.monotonic() + float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        wait = _FIRST_WAIT
        while True:
            try:
                fcntl.flock(self._turns, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # SQLite's own wait, then its "database is locked"
                time.sleep(wait)
                wait = min(wait * 2, _LONGEST_WAIT)
                continue
            self._has_turn = True
            return

    def _end_turn(self) -> None:
        if self._has_turn and self._turns is not None:
            fcntl.flock(self._turns, fcntl.LOCK_UN)
            self._has_turn = False
