"""Web links in the core: what `/mentor report web` and `mentorbot web link` answer and
refuse, and what a link is worth afterwards — it works once, within 15 minutes, only as
signed, and only for the page and person in it (bot.web)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app.cli.web import make_link
from bot.app.core import Core
from bot.errors import UserError
from bot.infra.models import InterestGroup, Role, WebKey, WebLinkUse
from bot.infra.settings import Settings
from bot.web import links, rules, store
from bot.web.rules import Page, Purpose, Refusal
from tests.support.factories import Driver
from tests.support.properties import examples
from tests.support.report_data import NOW, ReportData, build

PUBLIC = "https://mentor.example.edu/bot"


@pytest.fixture
def data(core: Core) -> ReportData:
    core.clock.set(NOW)  # type: ignore[attr-defined]
    core.settings = core.settings.model_copy(update={"public_url": PUBLIC})
    with core.db.session() as session:
        return build(session)


def _token(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith("/bot" + rules.OPEN_PATH), url
    return path.rsplit("/", 1)[1]


def _redeem(core: Core, token: str) -> rules.Grant | Refusal:
    with core.db.session() as session:
        return links.redeem(session, core.settings, token, core.clock.now())


# --- /mentor report web -------------------------------------------------------------------------


def test_report_web_answers_privately_with_a_one_time_link(core: Core, data: ReportData) -> None:
    reply = Driver(core).run(data.organizer_id, "/mentor report group:em web")
    assert not reply.error and reply.ephemeral
    assert reply.link is not None and reply.link.label == "Open the dashboard"
    assert reply.link.url.startswith(f"{PUBLIC}/web/open/")
    assert reply.title == "Open the dashboard in your browser"
    assert reply.text == (
        "This link opens the dashboard of EM Interest Group, for you only. It works once, "
        "within 15 minutes (until Mon 04 Jan 2027 15:15 UTC); your browser then stays signed "
        "in to that page for 4 hours. Don't forward it. For a new one: /mentor report "
        "group:em web")
    assert reply.attachment is None  # no chart, no report in chat: the page has them
    grant = _redeem(core, _token(reply.link.url))
    assert isinstance(grant, rules.Grant)
    assert (grant.person_id, grant.page, grant.group_id, grant.via_admin) == (
        data.organizer_id, Page.REPORT, data.group_id, False)
    assert grant.expires_at == NOW + rules.SESSION_LIFETIME
    assert f"Open the dashboard: {reply.link.url}" in reply.as_text()


def test_report_web_keeps_the_weeks_asked_for(core: Core, data: ReportData) -> None:
    reply = Driver(core).run(data.organizer_id, "/mentor report group:em weeks:4 web")
    assert reply.link is not None and reply.link.url.endswith("?weeks=4")


def test_report_web_is_refused_as_the_report_is(core: Core, data: ReportData) -> None:
    driver = Driver(core)
    student = driver.run(data.people["S1"], "/mentor report group:em web")
    assert student.error and student.text == "/mentor report is for group organizers."
    with core.db.session() as session:
        other = InterestGroup(slug="peds", name="Peds Group", timezone="UTC")
        session.add(other)
        session.flush()
        session.add(Role(person_id=data.people["F1"], role="organizer", group_id=other.id))
    elsewhere = driver.run(data.people["F1"], "/mentor report group:em web")
    assert elsewhere.error and elsewhere.link is None
    assert elsewhere.text == "Only organizers of EM Interest Group can do that."
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebKey)) == 0


def test_report_web_without_public_url_says_how_to_turn_pages_on(core: Core,
                                                                 data: ReportData) -> None:
    core.settings = core.settings.model_copy(update={"public_url": None})
    reply = Driver(core).run(data.organizer_id, "/mentor report group:em web")
    assert reply.error and reply.title == "No web pages here"
    assert "sets PUBLIC_URL" in reply.text and reply.link is None


# --- what a link is worth ---------------------------------------------------------------------


def _issue(core: Core, data: ReportData) -> str:
    with core.db.session() as session:
        return links.issue(session, core.settings, person_id=data.organizer_id,
                           page=Page.REPORT, group_id=data.group_id, now=core.clock.now()).url


def test_a_link_works_once(core: Core, data: ReportData) -> None:
    token = _token(_issue(core, data))
    assert isinstance(_redeem(core, token), rules.Grant)
    assert _redeem(core, token) == Refusal.REUSED
    assert Refusal.REUSED.status == 410


def test_a_link_expires_after_15_minutes(core: Core, data: ReportData) -> None:
    token = _token(_issue(core, data))
    core.clock.advance(timedelta(minutes=15))  # type: ignore[attr-defined]
    assert _redeem(core, token) == Refusal.EXPIRED
    assert Refusal.EXPIRED.status == 410
    just_in_time = _token(_issue(core, data))
    core.clock.advance(timedelta(minutes=14, seconds=59))  # type: ignore[attr-defined]
    assert isinstance(_redeem(core, just_in_time), rules.Grant)


def test_a_changed_link_is_refused(core: Core, data: ReportData) -> None:
    token = _token(_issue(core, data))
    with core.db.session() as session:
        key = links.signing_key(session, core.settings, core.clock.now())
    grant = rules.read(key, token, Purpose.LINK)
    assert grant is not None
    payload, _, signature = token.partition(".")
    someone_else = rules.sign(key, grant, Purpose.SESSION)  # right key, wrong purpose
    other_key = rules.sign("not our key, but long enough to pass", grant, Purpose.LINK)
    for bad in (other_key, someone_else, f"{payload}.{signature[::-1]}", payload, "",
                "nonsense", token.replace(payload, payload[:-4] + "AAAA")):
        assert _redeem(core, bad) == Refusal.TAMPERED, bad
    assert Refusal.TAMPERED.status == 403
    assert isinstance(_redeem(core, token), rules.Grant)  # the real one still works, once


@settings(max_examples=examples(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."))
def test_no_edit_of_a_token_gives_another_grant(position: int, replacement: str) -> None:
    """Any one-character change is refused, or (a base64 character whose changed bits are
    padding) still means exactly the same grant: never anything else."""
    key = "k" * 40
    grant = rules.Grant("abc", 7, Page.REPORT, 3, NOW + rules.LINK_LIFETIME)
    token = rules.sign(key, grant, Purpose.LINK)
    index = position % len(token)
    edited = token[:index] + replacement + token[index + 1:]
    assert rules.read(key, edited, Purpose.LINK) in (None, grant)


def test_a_session_cookie_is_no_link_and_a_link_no_session() -> None:
    key = "k" * 40
    grant = rules.grant_for(7, Page.PLAN, None, NOW)
    assert rules.read(key, rules.sign(key, grant, Purpose.SESSION), Purpose.LINK) is None
    assert rules.read(key, rules.sign(key, grant, Purpose.LINK), Purpose.SESSION) is None
    assert rules.read(key, rules.sign(key, grant, Purpose.LINK), Purpose.LINK) == grant


def test_used_link_ids_are_forgotten_once_the_link_is_past_its_time(core: Core,
                                                                    data: ReportData) -> None:
    assert isinstance(_redeem(core, _token(_issue(core, data))), rules.Grant)
    core.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    assert isinstance(_redeem(core, _token(_issue(core, data))), rules.Grant)
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebLinkUse)) == 1


def test_the_signing_key_is_made_once_and_web_secret_wins(core: Core, data: ReportData) -> None:
    with core.db.session() as session:
        first = store.signing_key(session, core.clock.now())
    with core.db.session() as session:
        assert store.signing_key(session, core.clock.now()) == first
        assert len(first) >= 48
        assert links.signing_key(session, core.settings, core.clock.now()) == first
        own = core.settings.model_copy(update={"web_secret": "s" * 40})
        assert links.signing_key(session, own, core.clock.now()) == "s" * 40
    token = _token(_issue(core, data))
    core.settings = core.settings.model_copy(update={"web_secret": "s" * 40})
    assert _redeem(core, token) == Refusal.TAMPERED  # a new key retires the old links


@pytest.mark.parametrize(("value", "problem"), [
    ("mentor.example.edu", "must start with https://"),
    ("https://", "must start with https://"),
    ("https://x.edu/?a=1", "takes no query"),
    ("https://user:pw@x.edu", "takes no query, fragment or password"),
])
def test_public_url_and_web_secret_are_checked(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Settings(public_url=value, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(web_secret="short", _env_file=None)  # type: ignore[call-arg]
    ok = Settings(public_url=" https://x.edu/bot/ ", _env_file=None)  # type: ignore[call-arg]
    assert ok.public_url == "https://x.edu/bot" and ok.web_enabled
    assert ok.web_listen_port == ok.port == 3000
    assert Settings(web_port=8080, _env_file=None).web_listen_port == 8080  # type: ignore[call-arg]


# --- mentorbot web link -------------------------------------------------------------------------


def test_command_line_link_for_the_dashboard(core: Core, data: ReportData) -> None:
    with core.db.session() as session:
        made = make_link(session, core.settings, " Olga.Ward@example.edu ", Page.REPORT, None,
                         core.clock.now())
    assert made.expires_at == NOW + rules.LINK_LIFETIME
    grant = _redeem(core, _token(made.url))
    assert isinstance(grant, rules.Grant)
    assert (grant.person_id, grant.page, grant.group_id) == (data.organizer_id, Page.REPORT,
                                                             data.group_id)


def test_command_line_link_for_a_students_plan(core: Core, data: ReportData) -> None:
    """The residency plan is part of the program (`bot.residency.page`): a student gets a
    link to their own plan page."""
    with core.db.session() as session:
        made = make_link(session, core.settings, "s1@example.edu", Page.PLAN, None,
                         core.clock.now())
    grant = _redeem(core, _token(made.url))
    assert isinstance(grant, rules.Grant)
    assert (grant.person_id, grant.page, grant.group_id) == (data.people["S1"], Page.PLAN,
                                                             None)


@pytest.mark.parametrize(("email", "page", "group", "message"), [
    ("olga", Page.REPORT, None, "“olga” is not an email address."),
    ("nobody@example.edu", Page.REPORT, None, "No one with the email nobody@example.edu"),
    ("s1@example.edu", Page.REPORT, "em", "Only organizers of EM Interest Group can do that."),
    ("s1@example.edu", Page.REPORT, None, "Ana Lima organizes no group"),
    ("f1@example.edu", Page.PLAN, None, "Dr. Ann Reyes is not a student"),
    ("s1@example.edu", Page.PLAN, "em", "--group is for --page report"),
    ("olga.ward@example.edu", Page.REPORT, "emm", "There is no group “emm”. Did you mean em?"),
])
def test_command_line_link_refusals(core: Core, data: ReportData, email: str, page: Page,
                                    group: str | None, message: str) -> None:
    with core.db.session() as session, pytest.raises(UserError) as refused:
        make_link(session, core.settings, email, page, group, core.clock.now())
    assert message in refused.value.message


def test_command_line_prints_the_link(cli: Core, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.app.cli import main
    from bot.infra.settings import get_settings

    with cli.db.session() as session:
        build(session)
    monkeypatch.setenv("PUBLIC_URL", PUBLIC)
    get_settings.cache_clear()
    assert main(["web", "link", "olga.ward@example.edu", "--page", "report"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"{PUBLIC}/web/open/") and out.out.count("\n") == 1
    assert "Works once, until" in out.err
    monkeypatch.delenv("PUBLIC_URL")
    get_settings.cache_clear()
    assert main(["web", "link", "olga.ward@example.edu", "--page", "report"]) == 1
    assert "sets PUBLIC_URL" in capsys.readouterr().err
