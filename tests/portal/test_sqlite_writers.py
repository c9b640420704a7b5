"""portal/sqlite: write transactions take turns on a lock of the process and a flock shared by the
processes, from their first statement, released however the transaction ends; a writer waits no
longer than the timeout. On a SQLite file of the tests' own, whichever database the suite runs on."""

import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.transaction import TransactionManagementError
from django.db.utils import ConnectionHandler

from portal.sqlite.base import DatabaseWrapper, _process_writer

HOLDER = """
import fcntl, os, sys
lock = os.open(sys.argv[1] + "-writer", os.O_RDWR | os.O_CREAT)
fcntl.flock(lock, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.readline()
fcntl.flock(lock, fcntl.LOCK_UN)
print("released", flush=True)
"""


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A SQLite file of the test's own (not the test database, so the suite's blocker lets it be)."""
    with django_db_blocker.unblock():
        yield str(tmp_path / "writers.sqlite3")


def connect(database: str, timeout: float = 20) -> DatabaseWrapper:
    """A connection of its own (as another thread or process has), with the settings' options."""
    options = {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": timeout}
    return ConnectionHandler({"default": {"ENGINE": settings.SQLITE_ENGINE, "NAME": database,
                                          "OPTIONS": options}})["default"]


@contextmanager
def transaction_on(wrapper: DatabaseWrapper):
    """A transaction begun and ended as transaction.atomic begins and ends one."""
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
    except BaseException:
        wrapper.rollback()
        raise
    else:
        wrapper.commit()
    finally:
        wrapper.set_autocommit(True)


def first_statement(wrapper: DatabaseWrapper) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")


@pytest.fixture
def holder(database):
    """Another process holding the writers' flock until told to let go."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, database], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"

    def release():
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "released"

    yield release
    process.kill()
    process.wait(10)


def test_the_settings_use_this_backend_for_sqlite():
    assert settings.SQLITE_ENGINE == "portal.sqlite"
    assert DatabaseWrapper.__module__ == "portal.sqlite.base"


def test_a_second_thread_begins_only_when_the_first_has_ended(database):
    events: list[str] = []
    first_holds, first_may_end = threading.Event(), threading.Event()

    def first():
        mine = connect(database)
        with transaction_on(mine):
            first_statement(mine)
            events.append("first began")
            first_holds.set()
            first_may_end.wait(10)
            events.append("first ends")
        mine.close()

    def second():
        mine = connect(database)
        first_holds.wait(10)
        with transaction_on(mine):
            first_statement(mine)
            events.append("second began")
        mine.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_holds.wait(10)
    threads[1].join(0.5)
    assert events == ["first began"]  # the second waits meanwhile, on the process's lock
    assert _process_writer(database).locked()
    first_may_end.set()
    for thread in threads:
        thread.join(10)
    assert events == ["first began", "first ends", "second began"]
    assert not _process_writer(database).locked()


def test_a_transaction_waits_while_another_process_has_the_turn(database, holder):
    began = threading.Event()

    def write():
        mine = connect(database)
        with transaction_on(mine):
            first_statement(mine)
            began.set()
        mine.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert not began.wait(0.5)
    holder()
    assert began.wait(10)
    writer.join(10)


def test_a_writer_gives_up_after_its_timeout_as_sqlite_does(database, holder):
    impatient = connect(database, timeout=0.3)
    with pytest.raises(OperationalError, match="database is locked"), transaction_on(impatient):
        first_statement(impatient)
    holder()
    with transaction_on(impatient):  # its turn was not left taken
        first_statement(impatient)
    impatient.close()


@pytest.mark.parametrize("ending", ["rollback", "close"])
def test_the_turn_ends_however_the_transaction_ends(database, ending):
    first, second = connect(database), connect(database, timeout=2)
    if ending == "rollback":
        with pytest.raises(RuntimeError), transaction_on(first):
            first_statement(first)
            raise RuntimeError("rolled back")
    else:
        first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        first_statement(first)
        first.close()
    with transaction_on(second):  # within its 2 s: the first's turn is over
        first_statement(second)
    first.close()
    second.close()


def test_the_turn_is_taken_at_the_first_statement_of_the_transaction(database):
    first, second = connect(database), connect(database, timeout=2)
    with transaction_on(first):
        assert not _process_writer(database).locked()  # nothing run yet: nobody is held up
        with transaction_on(second):  # within its 2 s
            first_statement(second)
        first_statement(first)
        assert _process_writer(database).locked()
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE written (id INTEGER)")
    assert not _process_writer(database).locked()
    with second.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM written")
        assert cursor.fetchone() == (0,)
    first.close()
    second.close()


def test_a_transaction_that_runs_nothing_takes_no_turn(database):
    quiet = connect(database)
    with transaction_on(quiet):
        pass
    assert not _process_writer(database).locked() and quiet.execute_wrappers == []
    quiet.close()


def test_a_block_whose_writer_gave_up_runs_nothing_more(database, holder):
    """Its first statement found no turn, so the block has no transaction: a caller that catches the
    error must not go on writing outside one (each statement committed on its own)."""
    impatient = connect(database, timeout=0.3)
    connections["impatient"] = impatient  # for transaction.atomic(using=...)
    try:
        with transaction.atomic(using="impatient"):
            with pytest.raises(OperationalError, match="database is locked"):
                first_statement(impatient)
            with pytest.raises(TransactionManagementError):
                first_statement(impatient)
        holder()
        with transaction.atomic(using="impatient"):  # the next block begins as usual
            first_statement(impatient)
            assert _process_writer(database).locked()
    finally:
        del connections["impatient"]
        impatient.close()
