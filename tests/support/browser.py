"""A real browser for the web pages' tests: headless Chromium from Debian's `chromium` and
`chromium-driver` packages, driven by Selenium, offline (SE_OFFLINE: Selenium Manager looks
for nothing online; a fresh profile; background networking, sync, component updates and QUIC
off, so the only requests are the page's own). One browser serves a whole test session.

With the packages missing the browser tests are skipped, unless MENTORBOT_REQUIRE_BROWSER is
set (CI installs them: .ci/run)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

import pytest

CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--disable-default-apps",
                "--disable-extensions", "--window-size=1280,900")


def chromium() -> Any:
    """A started Chrome driver (the caller quits it)."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        if os.environ.get("MENTORBOT_REQUIRE_BROWSER"):
            raise RuntimeError("chromium and chromium-driver are required (apt-get install -y "
                               "chromium chromium-driver)")
        pytest.skip("no chromium/chromedriver: apt-get install -y chromium chromium-driver")
    os.environ["SE_OFFLINE"] = "true"
    from selenium import webdriver  # the browser tests alone need Selenium
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='mentorbot-chromium-')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    chrome.set_page_load_timeout(30)
    return chrome


@dataclass
class Traffic:
    """What the page asked for and got since the last look (Chrome's performance log)."""

    requested: list[str]
    received: list[tuple[str, int, dict[str, str]]]  # URL, status, headers (lower case)


def traffic(driver: Any) -> Traffic:
    requested, received = [], []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            requested.append(params["request"]["url"])
        elif message["method"] == "Network.responseReceived":
            response = params["response"]
            received.append((response["url"], int(response["status"]),
                             {k.lower(): v for k, v in response["headers"].items()}))
    return Traffic(requested, received)
