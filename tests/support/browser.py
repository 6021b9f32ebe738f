"""A page opened in a real browser: Debian's Chromium, headless, driven by
playwright (whose own browser downloads are never used). It runs in a process
of its own, apart from the tests' eventlet-patched interpreter, and answers
what the page did wrong: console errors, uncaught errors, and requests to any
host other than the page's own.

    NABO_BROWSER_HEADERS='{"Accept-Language": "da"}' python -m tests.support.browser URL SCREENSHOT.png
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("NABO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def open_page(url, screenshot, headers=None, timeout=120):
    """Open ``url`` with ``headers``, save a full-page screenshot to ``screenshot`` and answer
    {status, title, console_errors, outside_requests}."""
    if not os.path.exists(CHROMIUM):
        raise AssertionError(
            f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        )
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.browser", url, str(screenshot)],
        cwd=ROOT,
        # in the environment, not the command line, where other users of the machine would see a token
        env=dict(os.environ, NABO_BROWSER_HEADERS=json.dumps(headers or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def launch(playwright):
    """Debian's Chromium, headless, through a started playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def _visit(url, screenshot, headers):
    from playwright.sync_api import sync_playwright

    own_host = urlsplit(url).hostname
    console_errors, outside = [], []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(
                extra_http_headers=headers, viewport={"width": 1100, "height": 1400}
            )
            page = context.new_page()
            page.on(
                "console", lambda message: message.type == "error" and console_errors.append(message.text)
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))

            def note(request):
                parts = urlsplit(request.url)
                if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != own_host:
                    outside.append(request.url)

            page.on("request", note)
            response = page.goto(url, wait_until="networkidle")
            page.screenshot(path=screenshot, full_page=True)
            return {
                "status": response.status if response else None,
                "title": page.title(),
                "console_errors": console_errors,
                "outside_requests": outside,
            }
        finally:
            browser.close()


if __name__ == "__main__":
    url, screenshot = sys.argv[1:]
    print(json.dumps(_visit(url, screenshot, json.loads(os.environ.get("NABO_BROWSER_HEADERS", "{}")))))
