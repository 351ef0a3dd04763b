"""The HTTPS settings come from the environment, and `check --deploy` is clean with them on."""
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

HTTPS = {"SECURE_SSL_REDIRECT": "true", "SESSION_COOKIE_SECURE": "true", "CSRF_COOKIE_SECURE": "true",
         "SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true",
         "SECURE_PROXY_SSL_HEADER": "true"}


def check_deploy(**environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "htr_platform.settings", "DEBUG": "false",
           "SECRET_KEY": secrets.token_urlsafe(60), "VAR_DIR": str(settings.VAR_DIR), **environment}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300)


def test_check_deploy_is_clean_with_the_https_settings_on_and_names_each_one_off():
    on = check_deploy(**HTTPS)
    assert on.returncode == 0, on.stderr + on.stdout
    off = check_deploy()
    assert off.returncode != 0
    assert all(code in off.stderr + off.stdout for code in ("W004", "W008", "W012", "W016"))


@pytest.mark.django_db
def test_the_health_check_answers_over_plain_http_when_https_is_required(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("document-list")).status_code == 301  # to https
    answer = client.get(reverse("healthz"))
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
