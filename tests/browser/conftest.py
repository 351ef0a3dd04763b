import os

import pytest

from tests.integration.conftest import celery_worker, redis_broker, shipped_model  # noqa: F401  (shared fixtures)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser(monkeypatch):
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def logged_in_page(browser, live_server, path: str, username: str = "owner", password: str = "owner-password-1"):
    """A new browser page, logged in, opened at ``path``."""
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.goto(live_server.url + path)
    return page
