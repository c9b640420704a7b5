"""Django's SQLite backend, with write transactions taking turns on locks that wake the next writer at
once (ENGINE "portal.sqlite", set by the settings wherever DATABASE_URL is a SQLite file).

SQLite has one writer at a time. A transaction (BEGIN IMMEDIATE, see the settings) that finds the
database locked waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, ... up to 100 ms between
tries, and so misses most moments the lock is free: eight threads submitting tickets at once waited
there for up to a second (submit p99 440-950 ms in the bench). Python's sqlite3 module cannot change
that handler, so before its BEGIN a transaction takes, in turn:

- a lock of the process, on which the process's other threads wait without polling, woken at once;
- an exclusive flock on a file next to the database (DATABASE-writer), shared with every process
  that uses this backend; polled every WRITER_POLL_SECONDS at most, by one thread per process.

A transaction takes its turn, and begins, at its first statement, not when transaction.atomic
enters: whatever Python runs before that (building the first query, the values it writes) does not
hold up the other writers. Both are released when the transaction ends (commit, rollback or closed
connection). They only order the writers; SQLite's own lock still decides (writes outside a
transaction, and other programs on the file, wait in its handler as before). A writer waits no
longer than the connection's `timeout`, then gets "database is locked" as from SQLite.
"""

import fcntl
import os
import threading
import time
from _thread import LockType
from contextlib import suppress

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# How often, at most, a process waiting for another's turn looks again: with 2 ms the submit POSTs' p99
# in scripts/bench was 57-92 ms over six runs, with 0.5 ms 49-67 ms (the polls' CPU did not show).
WRITER_POLL_SECONDS = 0.0005
FIRST_POLL_SECONDS = 0.0002
SQLITE_DEFAULT_TIMEOUT = 5.0

_process_writers: dict[str, LockType] = {}
_process_writers_guard = threading.Lock()


def _process_writer(database: str) -> LockType:
    with _process_writers_guard:
        return _process_writers.setdefault(database, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_file: int | None = None
    _held: LockType | None = None

    def _start_transaction_under_autocommit(self) -> None:
        self.execute_wrappers.append(self._begin_before_first_statement)

    def _begin_before_first_statement(self, execute, sql, params, many, context):
        self._stop_waiting_for_first_statement()
        try:
            self._take_turn_and_begin()
        except BaseException:
            # The block has no transaction: whatever it runs next must not run on its own (autocommitted).
            if self.in_atomic_block:
                self.needs_rollback = True
            raise
        return execute(sql, params, many, context)

    def _stop_waiting_for_first_statement(self) -> None:
        with suppress(ValueError):
            self.execute_wrappers.remove(self._begin_before_first_statement)

    def _take_turn_and_begin(self) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", SQLITE_DEFAULT_TIMEOUT))
        deadline = time.monotonic() + timeout
        writer = _process_writer(str(self.settings_dict["NAME"]))
        if not writer.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._held = writer
        try:
            if not self.is_in_memory_db():
                self._lock_writer_file(deadline)
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _lock_writer_file(self, deadline: float) -> None:
        if self._writer_file is None:
            self._writer_file = os.open(f"{self.settings_dict['NAME']}-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                        0o600)
        pause = FIRST_POLL_SECONDS
        while True:
            try:
                fcntl.flock(self._writer_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(2 * pause, WRITER_POLL_SECONDS)

    def _end_turn(self) -> None:
        self._stop_waiting_for_first_statement()
        held, self._held = self._held, None
        if held is None:
            return
        if self._writer_file is not None:
            fcntl.flock(self._writer_file, fcntl.LOCK_UN)
        held.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._end_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._end_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._end_turn()
            if self._writer_file is not None:
                os.close(self._writer_file)
                self._writer_file = None
