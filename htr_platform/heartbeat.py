"""Who runs a job, a run or an export, and whether they are still alive.

Shared by both apps (documents' export jobs, recognition's jobs and runs), so it imports neither.
A worker process claims a job with its name ("host:pid") and, while the job runs, a thread beside
it stamps the job's heartbeat every HEARTBEAT_SECONDS. A job whose heartbeat is older than
JOB_STALE_AFTER_SECONDS, or whose owner on this same host has no process any more, was left by a
dead worker: the sweep (recognition.services.jobs_recover_stale,
documents.services.export_jobs_recover_stale) or a message delivered again takes it over.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as a job's owner."""
    return f"{socket.gethostname()}:{os.getpid()}"


def stale_cutoff(now: datetime | None = None) -> datetime:
    """A heartbeat older than this was left by a dead worker."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def owner_gone(worker: str, heartbeat: datetime | None, now: datetime | None = None) -> bool:
    """Whether the process that claimed a job is known dead: its heartbeat stopped, or it ran on
    this host and its process is gone (a pool process killed under its task)."""
    if heartbeat is None or heartbeat < stale_cutoff(now):
        return True
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process: only its heartbeat can tell
    return not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process claimed it before and is alive (a message delivered twice)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def beating(beat: Callable[[], None], every: float | None = None) -> Iterator[None]:
    """Call ``beat()`` every ``every`` seconds (HEARTBEAT_SECONDS) in a thread while the block runs."""
    every = settings.HEARTBEAT_SECONDS if every is None else every
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(every):
                try:
                    beat()
                except Exception:  # a missed beat is not fatal: the next one, or the sweep, says so
                    logger.warning("heartbeat missed", exc_info=True)
        finally:
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
