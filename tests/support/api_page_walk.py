"""Walks the API page in a headless Chromium (Playwright) as a person would: signs in through the page's
sign-in operation, then tries GET /v1/events, and prints what happened as JSON.

    python -m tests.support.api_page_walk BASE_URL EMAIL PASSWORD SCREENSHOT

Run as a process of its own: Playwright's synchronous API needs a Python that eventlet has not patched,
which the test process (running the services) is. Debian's chromium is used; Playwright's own browser
builds are never downloaded.
"""
import json
import sys
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from tests.support.browser import launch

TIMEOUT_MS = 30_000


def try_operation(page, block_id, body=None):
    """Open an operation, press "Try it out" (filling the body) and "Execute"; the live response's status
    and body as the page shows them."""
    block = page.locator(f"#{block_id}")
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    if body is not None:
        block.locator("textarea.body-param__text").fill(json.dumps(body))
    block.locator("button.execute").click()
    row = block.locator(".live-responses-table .response").first
    row.wait_for(timeout=TIMEOUT_MS)
    status = row.locator(".response-col_status").inner_text().strip()
    text = row.locator(".response-col_description pre.microlight").first.inner_text()
    return {"status": status, "body": text}


def walk(base_url, email, password, screenshot):
    gateway = urlsplit(base_url).netloc
    seen = {"console_errors": [], "page_errors": [], "foreign_requests": [], "requests": []}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.on("console", lambda m: m.type == "error" and seen["console_errors"].append(m.text))
            page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))

            def on_request(request):
                parts = urlsplit(request.url)
                if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != gateway:
                    seen["foreign_requests"].append(request.url)
                seen["requests"].append({"url": request.url, "method": request.method,
                                         "authorization": request.headers.get("authorization", "")})

            page.on("request", on_request)
            page.goto(base_url + "/v1/docs", wait_until="networkidle")
            page.locator(".swagger-ui .opblock").first.wait_for(timeout=TIMEOUT_MS)
            seen["title"] = page.locator(".swagger-ui .info .title").inner_text()
            credentials = {"email": email, "password": password}
            seen["sign_in"] = try_operation(page, "operations-auth-sign_in", credentials)
            seen["authorized"] = page.locator(".swagger-ui .auth-wrapper .authorize.locked").count() > 0
            seen["events"] = try_operation(page, "operations-events-search_events")
            page.screenshot(path=screenshot, full_page=False)
        finally:
            browser.close()
    return seen


if __name__ == "__main__":
    print(json.dumps(walk(*sys.argv[1:5])))
