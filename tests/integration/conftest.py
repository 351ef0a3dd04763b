import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from htr_platform.celery import app as celery_app
from ml.read.recognizer import DEFAULT_MODEL_PATH


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
def celery_worker(services_required, shipped_model, transactional_db):
    """A real Celery worker in a thread, consuming every queue from Redis."""
    celery_app.control.purge()  # messages an interrupted earlier run may have left
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
