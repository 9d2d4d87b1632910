"""The web pages through the real HTTP edge (waitress on loopback, as `mentorbot run`
serves them; the Slack server with the pages mounted at the end): what a link, a cookie
and a form are worth, the headers on every page, and who is refused what. The clock is the
test's: a link expires because the clock is moved, never because a test waited."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.web.app import COOKIES, CSP, NOTE_COOKIE
from bot.app.core import Core
from bot.app.nudges import nudge_catalog
from bot.infra.models import InterestGroup, Role, StudentProfile
from bot.reports import export, store
from bot.reports.rules import Scope
from bot.web import links, rules
from bot.web.rules import Grant, Page, Purpose
from tests.support.databases import SqliteFactory
from tests.support.plans import MemoryPlans
from tests.support.report_data import NOW, ReportData, build
from tests.support.slack_api import FakeSlackApi
from tests.support.slack_app import slack_harness
from tests.support.slack_requests import FORM, slack_timestamp, slash_command
from tests.support.web import Answer, WebServer, web_server

SECURITY = {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}



@pytest.fixture
def db_url(sqlite_factory: SqliteFactory) -> str:
    """SQLite only: what is tested here is HTTP and its rules, the same on either database
    (the web tables and the report on PostgreSQL: tests/test_web_links.py and
    tests/test_web_dashboard.py)."""
    return sqlite_factory.new_url()

@pytest.fixture
def data(core: Core) -> ReportData:
    core.clock.set(NOW)  # type: ignore[attr-defined]
    with core.db.session() as session:
        return build(session)


@pytest.fixture
def plans() -> MemoryPlans:
    return MemoryPlans()


@pytest.fixture
def web(core: Core, data: ReportData, plans: MemoryPlans) -> Iterator[WebServer]:
    with web_server(core, plans=plans) as server:
        yield server


def _secured(answer: Answer, *, private: bool = True) -> None:
    for name, value in SECURITY.items():
        assert answer.header(name) == value, (name, answer.status)
    if private:
        assert answer.header("Cache-Control") == "no-store"


def _report(web: WebServer, data: ReportData) -> Answer:
    opened = web.open(web.link(data.organizer_id, Page.REPORT, data.group_id))
    assert opened.status == 303, opened.text
    return opened


# --- links and cookies ---------------------------------------------------------------------------


def test_a_link_becomes_a_cookie_and_a_clean_address(web: WebServer, data: ReportData) -> None:
    url = web.link(data.organizer_id, Page.REPORT, data.group_id)
    opened = web.open(url)
    assert opened.status == 303
    assert opened.header("Location") == "/web/report/em"  # no token left in the address
    cookie = opened.cookie(COOKIES[Page.REPORT])
    assert cookie is not None
    assert "httponly" in cookie and cookie["samesite"] == "Lax" and cookie["path"] == "/web"
    assert cookie["max-age"] == str(int(rules.SESSION_LIFETIME.total_seconds()))
    assert "secure" not in cookie  # PUBLIC_URL is http:// here
    assert opened.header("Strict-Transport-Security") is None
    _secured(opened)
    page = web.get("/web/report/em")
    assert page.status == 200 and "Program health: EM Interest Group" in page.shown
    assert "/web/open/" not in page.shown
    _secured(page)


def test_cookies_are_secure_when_the_pages_are_served_over_https(core: Core,
                                                                 data: ReportData) -> None:
    with web_server(core, https=True) as web:
        opened = _report(web, data)
        cookie = opened.cookie(COOKIES[Page.REPORT])
    assert cookie is not None and "secure" in cookie and "httponly" in cookie
    assert opened.header("Strict-Transport-Security") == "max-age=31536000"


def test_a_reused_link_is_gone(web: WebServer, data: ReportData) -> None:
    url = web.link(data.organizer_id, Page.REPORT, data.group_id)
    assert web.open(url).status == 303
    again = web.open(url)
    assert again.status == 410
    assert "This link was opened before, and a link works once." in again.shown
    assert again.cookie(COOKIES[Page.REPORT]) is None
    _secured(again)


def test_an_expired_link_is_gone(web: WebServer, data: ReportData, core: Core) -> None:
    url = web.link(data.organizer_id, Page.REPORT, data.group_id)
    core.clock.advance(rules.LINK_LIFETIME)  # type: ignore[attr-defined]
    expired = web.open(url)
    assert expired.status == 410
    assert "This link ran out: links work for 15 minutes." in expired.shown
    _secured(expired)


def test_a_tampered_link_is_forbidden(web: WebServer, data: ReportData) -> None:
    url = web.link(data.organizer_id, Page.REPORT, data.group_id)
    payload, _, sig = url.rpartition(".")
    tampered = web.open(f"{payload}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}")
    assert tampered.status == 403
    assert "not one mentorbot made, or it was changed" in tampered.shown
    _secured(tampered)
    assert web.open(url).status == 303  # the real link was not spent by the forgery


def test_previews_and_head_requests_spend_nothing(web: WebServer, data: ReportData) -> None:
    url = web.link(data.organizer_id, Page.REPORT, data.group_id)
    path = web.path(url)
    robot = web.get(path, headers={"User-Agent": "Slackbot-LinkExpanding 1.0"},
                    keep_cookies=False)
    assert robot.status == 200 and "Open it in your browser" in robot.shown
    assert robot.cookie(COOKIES[Page.REPORT]) is None and "Program health" not in robot.shown
    assert web.request("HEAD", path, keep_cookies=False).status == 200
    assert web.open(url).status == 303


def test_the_session_lasts_four_hours(web: WebServer, data: ReportData, core: Core) -> None:
    _report(web, data)
    core.clock.advance(rules.SESSION_LIFETIME - timedelta(seconds=1))  # type: ignore[attr-defined]
    assert web.get("/web/report/em").status == 200
    core.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    ended = web.get("/web/report/em")
    assert ended.status == 401 and "/mentor report web" in ended.shown
    _secured(ended)


def test_a_changed_cookie_is_forbidden(web: WebServer, data: ReportData) -> None:
    _report(web, data)
    cookie = web.jar[COOKIES[Page.REPORT]]
    # A character inside the signature, changed for another: the last one carries padding
    # bits, so "w", "x", "y" and "z" there can decode to the same bytes.
    web.jar[COOKIES[Page.REPORT]] = cookie[:-5] + ("A" if cookie[-5] != "A" else "B") + \
        cookie[-4:]
    assert web.get("/web/report/em").status == 403
    assert web.get("/web/report/em", headers={"Cookie": ""}).status == 401


# --- who sees what -------------------------------------------------------------------------------


def test_another_organizers_group_is_refused(web: WebServer, data: ReportData,
                                            core: Core) -> None:
    with core.db.session() as session:
        other = InterestGroup(slug="peds", name="Peds Group", timezone="UTC")
        session.add(other)
        session.flush()
        other_id = other.id
    _report(web, data)
    refused = web.get("/web/report/peds")
    assert refused.status == 403
    assert "This page is for the group your link was made for." in refused.shown
    assert "Peds Group" not in refused.shown
    assert web.get("/web/report/peds/csv").status == 403
    # A cookie naming the other group, signed with another key, is no better.
    forged = rules.sign("x" * 40, Grant("l", data.organizer_id, Page.REPORT, other_id,
                                        NOW + timedelta(hours=1)), Purpose.SESSION)
    assert web.get("/web/report/peds", headers={
        "Cookie": f"{COOKIES[Page.REPORT]}={forged}"}).status == 403


def test_a_student_is_refused_the_dashboard(web: WebServer, data: ReportData) -> None:
    student = data.people["S1"]
    assert web.open(web.link(student, Page.PLAN)).status == 303
    no_session = web.get("/web/report/em")  # a plan session opens no dashboard
    assert no_session.status == 401 and "Program health" not in no_session.shown
    # A report link made out to a student (the commands never make one) opens nothing.
    refused = web.open(web.link(student, Page.REPORT, data.group_id))
    assert refused.status == 403 and "for the group's organizers" in refused.shown
    assert refused.cookie(COOKIES[Page.REPORT]) is None
    # Nor does a plan cookie passed off as a report cookie.
    plan_cookie = web.jar[COOKIES[Page.PLAN]]
    assert web.get("/web/report/em", headers={
        "Cookie": f"{COOKIES[Page.REPORT]}={plan_cookie}"}).status == 403


def test_an_organizer_removed_loses_the_page_at_once(web: WebServer, data: ReportData,
                                                    core: Core) -> None:
    _report(web, data)
    with core.db.session() as session:
        session.query(Role).filter_by(person_id=data.organizer_id, role="organizer").delete()
    assert web.get("/web/report/em").status == 403


def test_a_workspace_admins_link_needs_no_organizer_role(web: WebServer, data: ReportData,
                                                         core: Core) -> None:
    faculty = data.people["F1"]
    assert web.open(web.link(faculty, Page.REPORT, data.group_id, via_admin=True)).status == 303
    assert web.get("/web/report/em").status == 200


def test_the_plan_page_is_the_students_own(web: WebServer, data: ReportData,
                                           plans: MemoryPlans) -> None:
    web.open(web.link(data.people["S1"], Page.PLAN))
    page = web.get("/web/plan")
    assert page.status == 200 and "Signed in as Ana Lima" in page.shown
    _secured(page)
    assert web.open(web.link(data.people["F1"], Page.PLAN)).status == 403  # faculty: no plan


# --- the dashboard's answers ------------------------------------------------------------------


def test_the_csv_is_what_is_shown_named_with_group_and_date(web: WebServer, data: ReportData,
                                                            core: Core) -> None:
    _report(web, data)
    answer = web.get("/web/report/em/csv?weeks=4&stage=ms3&kind=career")
    assert answer.status == 200
    assert answer.header("Content-Type") == "text/csv; charset=utf-8"
    assert answer.header("Content-Disposition") == \
        'attachment; filename="report-em-2027-01-04-ms3-career.csv"'
    _secured(answer)
    with core.db.session() as session:
        expected = export.as_csv(store.report(
            session, session.get_one(InterestGroup, data.group_id), NOW, nudge_catalog(), weeks=4,
            scope=Scope(stage="ms3", kind="career")))
    assert answer.text == expected
    plain = web.get("/web/report/em/csv")
    assert plain.header("Content-Disposition") == 'attachment; filename="report-em-2027-01-04.csv"'


def test_figures_are_counted_at_most_once_a_minute(web: WebServer, data: ReportData,
                                                  core: Core) -> None:
    """Within a minute a reload and the CSV show the figures the page showed; after it,
    they are counted again."""
    _report(web, data)
    first = web.get("/web/report/em")
    assert 'Figures as of <span id="as-of">Mon 04 Jan 2027 15:00 UTC</span>' in first.shown
    with core.db.session() as session:
        session.get_one(StudentProfile, data.people["S6"]).wants_mentor = False
    core.clock.advance(timedelta(seconds=59))  # type: ignore[attr-defined]
    assert "Fay Nguyen" in web.get("/web/report/em").shown
    assert "Fay Nguyen" in web.get("/web/report/em/csv").text
    assert "Fay Nguyen" not in web.get("/web/report/em?weeks=11").shown  # other filters
    core.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    again = web.get("/web/report/em")
    assert "Fay Nguyen" not in again.shown and ">Mon 04 Jan 2027 15:01 UTC<" in again.shown


@pytest.mark.parametrize(("query", "message"), [
    ("weeks=0", "weeks: 0 is not between 1 and 52."),
    ("weeks=lots", "weeks: “lots” is not a whole number of weeks."),
    ("stage=ms9", "unknown stage “ms9”"),
    ("kind=spiritual", "kind: “spiritual” is not a kind of mentor"),
])
def test_bad_filters_get_a_clear_400(web: WebServer, data: ReportData, query: str,
                                     message: str) -> None:
    _report(web, data)
    answer = web.get(f"/web/report/em?{query}")
    assert answer.status == 400 and message in answer.shown
    _secured(answer)


def test_every_page_carries_the_headers(web: WebServer, data: ReportData) -> None:
    _report(web, data)
    web.open(web.link(data.people["S1"], Page.PLAN))
    for path in ("/web/report/em", "/web/report/em?weeks=4", "/web/report/em/csv",
                 "/web/plan", "/web/plan/csv", "/web/nowhere", "/web/report/em?weeks=x"):
        _secured(web.get(path))
    static = web.get("/web/static/web.css")
    assert static.status == 200 and static.header("Content-Type").startswith("text/css")
    _secured(static, private=False)
    assert web.request("DELETE", "/web/plan").status == 405


# --- the plan's forms --------------------------------------------------------------------------


def _csrf(page: Answer) -> str:
    marker = 'name="csrf" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start:page.text.index('"', start)]


def test_plan_forms_need_their_token_and_our_origin(web: WebServer, data: ReportData,
                                                    plans: MemoryPlans) -> None:
    web.open(web.link(data.people["S1"], Page.PLAN))
    token = _csrf(web.get("/web/plan"))
    missing = web.post("/web/plan/drop", {"key": "p2"})
    assert missing.status == 403 and "did not come from your plan page" in missing.shown
    wrong = web.post("/web/plan/drop", {"key": "p2", "csrf": "0" * 64})
    assert wrong.status == 403
    elsewhere = web.post("/web/plan/drop", {"key": "p2", "csrf": token},
                         headers={"Origin": "https://evil.example"})
    assert elsewhere.status == 403
    ours = web.post("/web/plan/add", {"key": "p5", "csrf": token}, headers={"Origin": web.base})
    assert ours.status == 303 and plans.calls == [("add", data.people["S1"], "p5")]
    plans.calls.clear()
    assert plans.calls == []
    sandboxed = web.post("/web/plan/drop", {"key": "p2", "csrf": "0" * 64},
                         headers={"Origin": "null"})
    assert sandboxed.status == 403  # no Origin to go by: the token decides
    assert plans.calls == []
    done = web.post("/web/plan/drop", {"key": "p2", "csrf": token, "back": "sort=state"},
                    headers={"Origin": "null"})  # what our page sends under no-referrer
    assert done.status == 303 and done.header("Location") == "/web/plan?sort=state"
    assert plans.calls == [("drop", data.people["S1"], "p2")]
    after = web.get("/web/plan?sort=state")
    assert "Dropped Denver Health EM from your list." in after.shown
    assert after.cookie(NOTE_COOKIE) is not None  # shown once, then cleared
    assert "Dropped Denver Health EM" not in web.get("/web/plan").shown


def test_a_refused_plan_change_changes_nothing_and_says_why(web: WebServer, data: ReportData,
                                                            plans: MemoryPlans) -> None:
    web.open(web.link(data.people["S1"], Page.PLAN))
    token = _csrf(web.get("/web/plan"))
    over = web.post("/web/plan/signal", {"key": "p2", "tier": "gold", "csrf": token})
    assert over.status == 303
    assert "Nothing changed: You have used all 1 gold signal of ERAS 2027." in \
        web.get("/web/plan").shown
    assert plans.calls == []
    bad_tier = web.post("/web/plan/signal", {"key": "p2", "tier": "platinum", "csrf": token})
    assert bad_tier.status == 303
    assert "tier: “platinum” is not a signal" in web.get("/web/plan").shown
    assert web.post("/web/plan/rename", {"key": "p2", "csrf": token}).status == 404


def test_the_plan_csv(web: WebServer, data: ReportData) -> None:
    web.open(web.link(data.people["S1"], Page.PLAN))
    answer = web.get("/web/plan/csv")
    assert answer.header("Content-Disposition") == \
        'attachment; filename="residency-plan-2027-01-04.csv"'
    lines = answer.text.splitlines()
    assert lines[0] == "program,state,tier,signal,letters,reasons,fee"
    assert lines[1].startswith("Boston Medical Center EM,MA,target,gold,"
                               "Dr. Samuel Okafor (SLOE); Dr. Wei Xu,")


# --- on the Slack server ---------------------------------------------------------------------


def test_the_pages_share_the_slack_port_and_slack_keeps_its_guard(core: Core,
                                                                  data: ReportData) -> None:
    core.settings = core.settings.model_copy(update={"public_url": "http://127.0.0.1"})
    with FakeSlackApi() as api, slack_harness(core, api, web=True) as slack:
        edge = slack.http
        with core.db.session() as session:
            url = links.issue(session, core.settings, person_id=data.organizer_id,
                              page=Page.REPORT, group_id=data.group_id,
                              now=core.clock.now()).url
        opened = _call(edge.port, "GET", url.removeprefix("http://127.0.0.1"))
        assert opened.status == 303 and opened.header("Location") == "/web/report/em"
        cookie = (opened.header("Set-Cookie") or "").split(";")[0]
        page = _call(edge.port, "GET", "/web/report/em", headers={"Cookie": cookie})
        assert page.status == 200 and "Program health: EM Interest Group" in page.shown
        _secured(page)
        body = slash_command("/mentor", "help", user_id="U0X",
                             response_url=api.response_url("unsigned"))
        unsigned = _call(edge.port, "POST", "/slack/events", body.encode(), {
            "Content-Type": FORM, "X-Slack-Request-Timestamp": str(slack_timestamp())})
        assert unsigned.status == 401  # the edge's guard still stands in front of Slack
        assert edge.command("/mentor", "help", user_id="U0X",
                            response_url=api.response_url("signed")).status == 200
        assert api.wait_responses("signed")
        assert _call(edge.port, "GET", "/healthz").body == b"ok"


def _call(port: int, method: str, path: str, body: bytes = b"",
          headers: dict[str, str] | None = None) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        conn.close()
