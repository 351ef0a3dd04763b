"""Settings for the test suite.

The suite runs on the PostgreSQL and Redis of this machine when they answer
(TEST_DATABASE_URL, TEST_REDIS_URL), else on SQLite; the tests that need
them then skip, or fail under CI=true (see tests/conftest.py).
"""
import os
import tempfile

import dj_database_url
import psycopg2
import redis

os.environ.setdefault("SECRET_KEY", "test-suite-only")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="htr-test-var-"))
os.environ.setdefault("CELERY_BROKER_URL", "memory://")

from htr_platform.database import database_settings  # noqa: E402
from htr_platform.settings import *  # noqa: E402,F403

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_problem(url: str) -> str | None:
    config = dj_database_url.parse(url)
    try:
        psycopg2.connect(
            dbname="postgres",
            user=config["USER"],
            password=config["PASSWORD"],
            host=config["HOST"],
            port=config["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except psycopg2.Error as error:
        return f"PostgreSQL at {config['HOST']}:{config['PORT']} does not answer ({str(error).strip()})"
    return None


def _redis_problem(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis at {url} does not answer ({error})"
    return None


# Reasons the integration tests cannot run here; empty when both services answer.
_POSTGRES_PROBLEM = _postgres_problem(TEST_DATABASE_URL)
MISSING_SERVICES = [p for p in (_POSTGRES_PROBLEM, _redis_problem(TEST_REDIS_URL)) if p]

if _POSTGRES_PROBLEM is None:
    DATABASES = {"default": database_settings(TEST_DATABASE_URL)}
    # One test database per run, so that runs side by side (several developers on one
    # machine) do not drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_htr_{os.getpid()}"}
else:
    DATABASES = {"default": database_settings(f"sqlite:///{VAR_DIR / 'test.sqlite3'}")}
if not MISSING_SERVICES:
    CELERY_BROKER_URL = TEST_REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}  # noqa: F405

MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise wants it to exist)
