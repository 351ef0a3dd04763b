"""Celery workers as separate processes, on the test database and broker, that a test can kill."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connection


class WorkerProcess:
    """``celery worker`` in a process of its own, its output in ``log``."""

    def __init__(self, name: str, queues: str, log: Path, *, pool: str = "solo", beat: bool = False):
        self.name, self.log = name, log
        command = [sys.executable, "-m", "celery", "-A", "htr_platform", "worker", "-n", f"{name}@%h",
                   "-Q", queues, "-P", pool, "-c", "1", "--without-mingle", "--without-gossip", "-l", "INFO"]
        if beat:
            command += ["-B", "-s", str(log.with_suffix(".beat"))]
        self._out = log.open("wb")
        self.process = subprocess.Popen(command, env=worker_environment(), stdout=self._out,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while b" ready." not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def pool_pids(self) -> list[int]:
        """The pool processes of a prefork worker."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill(self) -> None:
        """kill -9 the worker and all its processes, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait()
        self._out.close()


def worker_environment() -> dict[str, str]:
    """The environment of a process working on the test database, broker and media."""
    database = connection.settings_dict
    url = dj_database_url.parse(settings.TEST_DATABASE_URL)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "htr_platform.settings",
        "SECRET_KEY": "test-suite-only",
        "DATABASE_URL": f"postgres://{url['USER']}:{url['PASSWORD'] or ''}@{url['HOST']}:{url['PORT'] or 5432}/"
                        f"{database['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "VAR_DIR": str(settings.VAR_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "FINE_TUNING_DIR": str(settings.FINE_TUNING_DIR),
        "FINE_TUNING_MIN_TRAIN_LINES": str(settings.FINE_TUNING_MIN_TRAIN_LINES),
        "FINE_TUNING_MIN_HELD_OUT_LINES": str(settings.FINE_TUNING_MIN_HELD_OUT_LINES),
        "HTR_TORCH_THREADS": "1",
        "LOG_LEVEL": "INFO",
    }
