"""The database connection settings, from a URL."""
from __future__ import annotations

import dj_database_url

# Seconds a write waits for another process's write to finish before "database is locked".
SQLITE_WAIT = 30

# The default set-up runs the web server and two workers on one SQLite file. SQLite's default
# (deferred) transactions read, then ask for the write lock, and fail at once when another process
# wrote in between: a worker storing a page's lines and a person saving a correction failed one
# another. An immediate transaction takes the write lock first and waits its turn; write-ahead
# logging lets pages be read while a worker writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_WAIT,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database_settings(url: str, conn_max_age: int = 0) -> dict:
    """Django's settings for the database at ``url`` (any dj-database-url URL)."""
    settings = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        settings["OPTIONS"] = {**SQLITE_OPTIONS, **settings.get("OPTIONS", {})}
    return settings
