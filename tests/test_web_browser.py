"""The web pages in a real browser (headless Chromium, Selenium; SQLite only, one browser
for the session): open each page from a link, read what it shows against the report, use
the filters and the plan's forms, fetch the CSV with the session's cookie, and check that
nothing leaves 127.0.0.1, that the CSP blocks nothing of ours, that the page fits a phone
and that a keyboard gets around. Screenshots go to the test's temporary directory."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import InterestGroup
from bot.infra.settings import Settings
from bot.reports import export, store
from bot.reports.rules import WHOLE_GROUP, Scope
from bot.web.rules import Page
from tests.support.browser import chromium, traffic
from tests.support.databases import SqliteFactory
from tests.support.plans import MemoryPlans
from tests.support.report_data import NOW, ReportData, build
from tests.support.web import WebServer, web_server

pytestmark = pytest.mark.browser
NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def site(sqlite_factory: SqliteFactory, browser: Any) -> Iterator[tuple[WebServer, ReportData,
                                                                         MemoryPlans]]:
    url = sqlite_factory.new_url()
    core = Core(db=Database(url), clock=FixedClock(NOW),
                settings=Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    with core.db.session() as session:
        data = build(session)
    plans = MemoryPlans()
    with web_server(core, plans=plans) as web:
        browser.delete_all_cookies()
        traffic(browser)  # start from an empty log
        yield web, data, plans
    core.db.dispose()


def _figures(web: WebServer, data: ReportData, weeks: int = 12,
             scope: Scope = WHOLE_GROUP) -> dict[str, dict[str, Any]]:
    with web.core.db.session() as session:
        report = store.report(session, session.get_one(InterestGroup, data.group_id), NOW,
                              nudge_catalog(), weeks=weeks, scope=scope)
    return {f["key"]: f for f in export.as_json(report)["figures"]}


def _tiles(browser: Any) -> dict[str, str]:
    return dict(browser.execute_script(
        "return [...document.querySelectorAll('.tile')].map("
        "t => [t.dataset.key, t.querySelector('.value').textContent.trim()])"))


def _click_and_load(browser: Any, element: Any) -> None:
    """Click, then wait for the page that follows (a link or a form's answer)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(page))


def _only_local(browser: Any, web: WebServer, *, refused: int | None = None) -> None:
    """Every request since the last look went to our server, every answer carried the
    headers, and the browser logged no error (`refused`: the one status the test expects
    the page itself to have) and no CSP violation."""
    seen = traffic(browser)
    assert seen.requested, "the performance log recorded nothing"
    # Anything that goes over a network must go to our server (the browser's own pages,
    # chrome:// and data: images of its start page, go nowhere).
    strangers = [u for u in seen.requested if urlsplit(u).scheme in NETWORK_SCHEMES
                 and not u.startswith(web.base + "/")]
    assert any(u.startswith(web.base + "/") for u in seen.requested)
    assert strangers == []
    for url, _status, headers in seen.received:
        if not url.startswith(web.base + "/"):
            continue  # the browser's own start page
        assert headers.get("referrer-policy") == "no-referrer", url
        assert "default-src 'none'" in headers.get("content-security-policy", ""), url
    expected = f"status of {refused} " if refused else None
    problems = [e["message"] for e in browser.get_log("browser")
                if "Content Security Policy" in e["message"]
                or (e["level"] == "SEVERE" and (expected is None or expected not in
                                                e["message"]))]
    assert problems == []


def test_the_dashboard_in_a_browser(browser: Any, site: tuple[WebServer, ReportData,
                                                              MemoryPlans],
                                    shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    web, data, _plans = site
    browser.set_window_size(1280, 900)
    browser.get(web.link(data.organizer_id, Page.REPORT, data.group_id))
    assert browser.current_url == f"{web.base}/web/report/em"  # no token in the address
    assert browser.find_element(By.TAG_NAME, "h1").text == "Program health: EM Interest Group"
    figures = _figures(web, data)
    assert _tiles(browser) == {k: f["shown"] for k, f in figures.items()}
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.get_attribute("role") == "img"
    assert browser.execute_script("return document.querySelector('svg.chart desc')"
                                  ".textContent").startswith("Chart for EM Interest Group")
    rows = browser.find_elements(By.CSS_SELECTOR, "#weeks tbody tr")
    assert len(rows) == 12 and rows[0].text == "Mon 12 Oct 2026 50% 1"
    cookie = browser.get_cookie("mentorbot_report")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/web"
    assert browser.execute_script("return document.cookie") == ""  # out of scripts' reach
    _only_local(browser, web)
    browser.save_screenshot(str(shots / "dashboard.png"))

    # The keyboard: the first Tab reaches the skip link, which takes focus to the content.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "content"

    # Filters: a plain GET form.
    weeks = browser.find_element(By.ID, "weeks")
    weeks.clear()
    weeks.send_keys("4")
    Select(browser.find_element(By.ID, "kind")).select_by_value("career")
    _click_and_load(browser, browser.find_element(By.CSS_SELECTOR,
                                                  ".filters button[type=submit]"))
    assert browser.current_url == f"{web.base}/web/report/em?weeks=4&stage=&kind=career"
    filtered = _figures(web, data, weeks=4, scope=Scope(kind="career"))
    assert _tiles(browser) == {k: f["shown"] for k, f in filtered.items()}
    assert _tiles(browser)["matching.match_rate"] == "40% (4 of 10 students) · target 70%"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#weeks tbody tr")) == 4

    # The CSV of what is shown, fetched with the browser's session cookie.
    link = browser.find_element(By.ID, "csv-link").get_attribute("href")
    assert link == f"{web.base}/web/report/em/csv?weeks=4&kind=career"
    session = browser.get_cookie("mentorbot_report")["value"]
    request = urllib.request.Request(link, headers={"Cookie": f"mentorbot_report={session}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
        disposition = answer.headers["Content-Disposition"]
        body = answer.read().decode()
    assert disposition == 'attachment; filename="report-em-2027-01-04-career.csv"'
    assert body.splitlines()[1].startswith("Filters,Mentor kind,scope.kind,career")
    anonymous = urllib.request.Request(link)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=10)  # noqa: S310 (loopback)
    assert refused.value.code == 401

    # A phone: nothing wider than the screen, the tiles still there.
    browser.set_window_size(390, 844)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
    browser.save_screenshot(str(shots / "dashboard-phone.png"))
    browser.set_window_size(1280, 900)
    _only_local(browser, web)


def test_the_plan_page_in_a_browser(browser: Any, site: tuple[WebServer, ReportData,
                                                             MemoryPlans],
                                    shots: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    web, data, plans = site
    student = data.people["S1"]

    def programs() -> list[str]:
        return [th.text for th in browser.find_elements(By.CSS_SELECTOR,
                                                        "#plan tbody th[scope=row]")]

    def row(name: str) -> Any:
        return next(r for r in browser.find_elements(By.CSS_SELECTOR, "#plan tbody tr")
                    if r.find_element(By.CSS_SELECTOR, "th").text == name)

    browser.get(web.link(student, Page.PLAN))
    assert browser.current_url == f"{web.base}/web/plan"
    # By tier, hardest first, then by name.
    assert programs() == ["Denver Health EM", "Boston Medical Center EM", "Cook County EM",
                          "Highland Hospital EM"]
    _click_and_load(browser, browser.find_element(By.LINK_TEXT, "State"))
    assert programs() == ["Highland Hospital EM", "Denver Health EM", "Cook County EM",
                          "Boston Medical Center EM"]
    state = browser.find_element(By.XPATH, "//th[a[normalize-space(.)='State ▲']]")
    assert state.get_attribute("aria-sort") == "ascending"
    browser.save_screenshot(str(shots / "plan.png"))

    # Signal, drop and add by form; each answers on the page that follows.
    denver = row("Denver Health EM")
    Select(denver.find_element(By.TAG_NAME, "select")).select_by_value("silver")
    _click_and_load(browser, denver.find_element(
        By.XPATH, ".//button[starts-with(normalize-space(.), 'Set signal')]"))
    assert browser.find_element(By.ID, "note").text == "Denver Health EM: signal silver."
    assert browser.current_url == f"{web.base}/web/plan?sort=state"  # the sort is kept
    assert row("Denver Health EM").find_elements(By.TAG_NAME, "td")[3].text == "silver"
    _click_and_load(browser, row("Cook County EM").find_element(By.CSS_SELECTOR,
                                                                 "button.danger"))
    assert browser.find_element(By.ID, "note").text == "Dropped Cook County EM from your list."
    assert "Cook County EM" not in programs()
    Select(browser.find_element(By.ID, "add-key")).select_by_visible_text("Yale New Haven EM")
    _click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "form.add button"))
    assert "Yale New Haven EM" in programs()
    assert plans.calls == [("signal", student, "p2:silver"), ("drop", student, "p4"),
                           ("add", student, "p5")]
    # Over the allotment: refused, said, nothing changed.
    Select(row("Highland Hospital EM").find_element(By.TAG_NAME, "select")).select_by_value(
        "gold")
    _click_and_load(browser, row("Highland Hospital EM").find_element(
        By.XPATH, ".//button[starts-with(normalize-space(.), 'Set signal')]"))
    assert browser.find_element(By.ID, "note").text == \
        "Nothing changed: You have used all 1 gold signal of ERAS 2027."
    assert len(plans.calls) == 3
    _only_local(browser, web)


def test_a_spent_link_in_a_browser(browser: Any, site: tuple[WebServer, ReportData,
                                                            MemoryPlans]) -> None:
    from selenium.webdriver.common.by import By

    web, data, _plans = site
    link = web.link(data.organizer_id, Page.REPORT, data.group_id)
    browser.get(link)
    browser.delete_all_cookies()
    browser.get(link)
    assert browser.find_element(By.TAG_NAME, "h1").text == "This link is spent"
    assert "a link works once" in browser.find_element(By.CSS_SELECTOR, ".error-message").text
    assert browser.get_cookie("mentorbot_report") is None
    _only_local(browser, web, refused=410)
