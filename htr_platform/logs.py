"""What the worker's log keeps: one line per job step, written by the job tasks themselves.

Celery logs two lines of its own for every task it runs (received, succeeded) and one for every
task its schedule sends; the housekeeping that runs every minute made half the log. Those lines
are dropped; Celery's warnings and errors (a task that failed, a lost connection) stay.
"""
from __future__ import annotations

import logging

# Loggers of the Celery lines dropped at INFO and below.
CHATTY = ("celery.app.trace", "celery.worker.strategy", "celery.beat")


class CeleryTaskChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.INFO
