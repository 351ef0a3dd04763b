import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from htr_platform.celery import app as celery_app
from ml.read.recognizer import DEFAULT_MODEL_PATH
from tests.integration.workers import WorkerProcess


@pytest.fixture
def shipped_model() -> Path:
    """The model file ml/ ships: the pipeline tests read with it, never with a stand-in."""
    if not DEFAULT_MODEL_PATH.is_file():
        message = f"the shipped recognition model {DEFAULT_MODEL_PATH} is not there"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return DEFAULT_MODEL_PATH


@pytest.fixture
def redis_broker(services_required, settings):
    """Messages go through Redis (TEST_REDIS_URL). Celery prefers the environment's
    CELERY_BROKER_URL (memory:// in tests/settings.py) to the settings', so it is set here, with a
    patch of its own that a test's monkeypatch.undo() leaves alone."""
    environment = pytest.MonkeyPatch()
    environment.setenv("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)
    _broker_connections_reset()
    celery_app.control.purge()  # messages an interrupted earlier run may have left
    yield
    celery_app.control.purge()
    environment.undo()
    _broker_connections_reset()


@pytest.fixture
def celery_worker(redis_broker, shipped_model, transactional_db):
    """A real Celery worker in a thread, consuming every queue from Redis."""
    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        queues=["cpu", "gpu", "train"],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=60,
    ) as worker:
        yield worker


def _broker_connections_reset() -> None:
    """Forget the Celery app's connections, so that the next message goes to the broker set now."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker_processes(redis_broker, shipped_model, transactional_db, tmp_path):
    """Start Celery workers as processes of their own (``start(name, queues, ...)``), on Redis; each
    is killed at the end, before the test database is emptied."""
    started: list[WorkerProcess] = []

    def start(name: str, queues: str, **options) -> WorkerProcess:
        worker = WorkerProcess(name, queues, tmp_path / f"{name}.log", **options)
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.kill()
