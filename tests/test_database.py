import threading
import time

import pytest
from django.db import transaction
from django.db.utils import ConnectionHandler

from htr_platform.database import database_settings


@pytest.fixture
def two_processes(tmp_path, monkeypatch, django_db_blocker):
    """Two connections to one SQLite file, as the web server and a worker of the default set-up have;
    ``transaction.atomic(using=...)`` opens its transactions on them."""
    settings = database_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    handler = ConnectionHandler({"default": settings, "web": dict(settings), "worker": dict(settings)})
    monkeypatch.setattr(transaction, "get_connection", lambda using=None: handler[using])
    with django_db_blocker.unblock():  # files of the test's own, not the test database
        with handler["web"].cursor() as cursor:
            cursor.execute("CREATE TABLE lines (text TEXT)")
        yield handler
        handler.close_all()


def test_a_correction_saved_while_a_worker_writes_waits_its_turn(two_processes):
    """With SQLite's default transactions the correction failed at once with "database is locked"."""
    worker_wrote, saved, errors = threading.Event(), threading.Event(), []

    def save_correction() -> None:
        worker_wrote.wait()
        try:
            with transaction.atomic(using="web"), two_processes["web"].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM lines")
                cursor.execute("INSERT INTO lines VALUES ('corrected')")
            saved.set()
        except Exception as error:  # noqa: BLE001 - the failure is what the test reports
            errors.append(error)
        finally:
            two_processes["web"].close()

    person = threading.Thread(target=save_correction)
    person.start()
    with transaction.atomic(using="worker"), two_processes["worker"].cursor() as cursor:
        cursor.execute("INSERT INTO lines VALUES ('read by the model')")
        worker_wrote.set()
        time.sleep(0.3)  # the worker's transaction is still open while the person saves
        assert not saved.is_set()
    person.join(timeout=10)

    assert errors == []
    with two_processes["worker"].cursor() as cursor:
        cursor.execute("SELECT text FROM lines ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["read by the model", "corrected"]


def test_sqlite_files_are_written_ahead_so_that_pages_read_while_a_worker_writes(two_processes):
    with two_processes["web"].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_other_databases_keep_their_settings():
    settings = database_settings("postgres://postgres@127.0.0.1:5432/test", conn_max_age=60)
    assert settings["ENGINE"] == "django.db.backends.postgresql" and settings["CONN_MAX_AGE"] == 60
    assert "transaction_mode" not in settings.get("OPTIONS", {})
