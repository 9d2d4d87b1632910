"""One person on Slack and Discord: `/mentor link` gives a one-time code on one platform,
`/mentor link CODE` on the other asks the code's owner, and their Link joins the typing
account's record into theirs (merging what both held, duplicates once); nudges then go
where the person used the bot last, or where they chose (`/mentor profile notify:`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app.core import Core, Request
from bot.framework.channels import Address, ChannelRef, Router
from bot.framework.replies import Reply
from bot.infra.clock import FixedClock
from bot.infra.db import Database
from bot.infra.models import (
    ActionItem,
    Checkin,
    Contact,
    Identity,
    IntroRequest,
    Letter,
    LetterEvent,
    LinkAttempt,
    LinkCode,
    LinkMerge,
    LinkRequest,
    Membership,
    Mentorship,
    Nudge,
    Person,
    Role,
    StudentProfile,
)
from bot.nudges.store import queue_notice
from bot.people.identities import PlatformUser
from bot.privacy import references, rules
from bot.vocab.nudges import NudgeKind, NudgeState, Subject
from jobs.delivery import Sweeper
from tests.support.channels import RecordingChannel
from tests.support.factories import Driver, add_faculty, add_group, add_student
from tests.support.snapshots import snapshot

SLACK = ChannelRef(platform="slack", workspace="T1", channel_id="D1", is_dm=True)
DISCORD = ChannelRef(platform="discord", workspace="G1", channel_id="C1")
CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")


def _code(reply: Reply) -> str:
    code = reply.text.splitlines()[0]
    assert CODE.match(code), reply.as_text()
    return code


def _account(session, name: str, platform: str, external_id: str, *,  # type: ignore[no-untyped-def]
             email: str | None = None, workspace: str = "") -> Person:
    person = add_student(session, name, email=email) if email else Person(name=name)
    if not email:
        person.roles.append(Role(role="student"))
        session.add(person)
    person.identities.append(Identity(platform=platform, workspace=workspace,
                                      external_id=external_id))
    session.flush()
    return person


@pytest.fixture
def two(core: Core) -> tuple[int, int]:
    """Maya's roster record with her Slack account, and the record her first Discord
    command made (no email, a display name)."""
    with core.db.session() as session:
        slack = _account(session, "Maya Patel", "slack", "U0MAYA", email="maya@example.edu",
                         workspace="T1")
        discord = _account(session, "maya_p", "discord", "300000000000000001")
        return slack.id, discord.id


def question(core: Core, owner: int) -> Reply:
    """The newest "Link an account to you?" direct message queued for `owner`."""
    with core.db.session() as session:
        nudge = session.scalars(select(Nudge).where(
            Nudge.person_id == owner, Nudge.dedup_key.like("notice:link-ask:%"))
            .order_by(Nudge.id.desc())).first()
        assert nudge is not None, "the code's owner was not asked"
        return Reply.from_dict(nudge.payload)


def buttons(reply: Reply) -> dict[str, str]:
    return {action.label: action.encode() for action in reply.actions}


def _link(driver: Driver, asker: int, typer: int) -> Reply:
    """The whole link: a code asked for on Slack, typed on Discord, confirmed on Slack."""
    code = _code(driver.run(asker, "/mentor link", channel=SLACK))
    asked = driver.run(typer, f"/mentor link {code}", channel=DISCORD)
    assert asked.title == "Waiting for a confirmation", asked.as_text()
    return driver.core.handle_action(asker, buttons(question(driver.core, asker))["Link"],
                                     channel=SLACK)


# --- the code ------------------------------------------------------------------------------


def test_a_code_is_private_short_lived_and_only_its_hash_is_kept(driver: Driver, core: Core,
                                                                 two: tuple[int, int]) -> None:
    slack_id, _ = two
    reply = driver.run(slack_id, "/mentor link", channel=SLACK)
    code = _code(reply)
    assert reply.ephemeral and reply.title == "Your link code"
    assert f"type /mentor link {code} within 10 minutes (until Mon 04 Jan 2027 15:10 UTC)" \
        in reply.text
    with core.db.session() as session:
        (stored,) = session.scalars(select(LinkCode))
        assert stored.code_hash == rules.code_hash(code.replace("-", ""))
        assert code.replace("-", "") not in stored.code_hash and code not in stored.code_hash
        assert (stored.person_id, stored.platform) == (slack_id, "slack")
        assert stored.expires_at == core.clock.now() + rules.CODE_LIFETIME


def test_linking_joins_the_accounts_into_one_person(driver: Driver, core: Core,
                                                    two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    reply = _link(driver, slack_id, discord_id)
    assert not reply.error, reply.as_text()
    assert reply.title == "Accounts linked"
    assert reply.text.startswith("Your Slack and Discord accounts are one person now.")
    assert reply.footer == ""
    with core.db.session() as session:
        assert session.get(Person, discord_id) is None
        maya = session.get_one(Person, slack_id)  # the code's owner is the record kept
        assert (maya.name, maya.email) == ("Maya Patel", "maya@example.edu")
        assert {(i.platform, i.external_id) for i in maya.identities} == {
            ("slack", "U0MAYA"), ("discord", "300000000000000001")}
        assert [r.role for r in maya.roles] == ["student"]
        code = session.scalar(select(LinkCode))
        assert code is not None and code.used_at == core.clock.now()
        assert code.person_id == slack_id
        (attempt,) = session.scalars(select(LinkAttempt))
        assert attempt.succeeded and attempt.person_id == slack_id


def test_a_code_works_once(driver: Driver, core: Core, two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    code = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    assert not driver.run(discord_id, f"/mentor link {code.lower()}", channel=DISCORD).error
    with core.db.session() as session:
        other = _account(session, "Someone Else", "discord", "300000000000000099").id
    again = driver.run(other, f"/mentor link {code}", channel=DISCORD)
    assert again.error and again.title == "Not linked"
    assert again.text.startswith("That code doesn't work: it is wrong, already used, or more "
                                 "than 10 minutes old.")
    with core.db.session() as session:
        assert session.get(Person, other) is not None
        assert session.scalar(select(func.count()).select_from(Identity)
                              .where(Identity.person_id == other)) == 1


def test_a_code_expires(driver: Driver, core: Core, clock: FixedClock,
                        two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    code = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    clock.advance(rules.CODE_LIFETIME)
    reply = driver.run(discord_id, f"/mentor link {code}", channel=DISCORD)
    assert reply.error and "more than 10 minutes old" in reply.text
    with core.db.session() as session:
        assert session.get(Person, slack_id) is not None
        (attempt,) = session.scalars(select(LinkAttempt))
        assert not attempt.succeeded and attempt.person_id == discord_id


def test_a_new_code_replaces_the_last_one(driver: Driver, core: Core,
                                          two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    first = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    second = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    assert driver.run(discord_id, f"/mentor link {first}", channel=DISCORD).error
    assert not driver.run(discord_id, f"/mentor link {second}", channel=DISCORD).error


def test_the_asker_typing_their_own_code_is_told_where_to_type_it(
        driver: Driver, core: Core, two: tuple[int, int]) -> None:
    slack_id, _ = two
    code = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    reply = driver.run(slack_id, f"/mentor link {code}", channel=SLACK)
    assert reply.error and reply.text.startswith("That's the code you asked for from this "
                                                 "account.")
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkAttempt)) == 0
        assert session.scalar(select(LinkCode.used_at)) is None


@pytest.mark.parametrize("typed", ["nope", "ABCD-EFG", "ABCD-EFGH-J", "ABCD-EF0O"])
def test_what_cannot_be_a_code_is_a_wrong_code(driver: Driver, core: Core, typed: str,
                                               two: tuple[int, int]) -> None:
    _, discord_id = two
    reply = driver.run(discord_id, f"/mentor link {typed}", channel=DISCORD)
    assert reply.error
    assert "is not a link code: a code has 8 characters" in reply.text \
        or "That code doesn't work" in reply.text
    with core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LinkAttempt)) == 1


def test_ten_wrong_codes_in_an_hour_lock_linking_for_an_hour(
        driver: Driver, core: Core, clock: FixedClock, two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    for _ in range(rules.MAX_WRONG_CODES):
        clock.advance(timedelta(minutes=5))
        assert driver.run(discord_id, "/mentor link AAAA-AAAA", channel=DISCORD).error
    tenth = clock.now()
    good = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    locked = driver.run(discord_id, f"/mentor link {good}", channel=DISCORD)
    assert locked.error
    assert locked.text == ("Too many wrong codes: 10 wrong codes within 1 hour lock linking "
                           "for 1 hour. Try again after Mon 04 Jan 2027 16:50 UTC.")
    with core.db.session() as session:
        assert session.get(Person, slack_id) is not None  # nothing linked
        assert session.scalar(select(func.count()).select_from(LinkAttempt)) == 10
    clock.set(tenth + rules.LOCKED_FOR - timedelta(seconds=1))
    assert "Too many wrong codes" in driver.run(
        discord_id, f"/mentor link {good}", channel=DISCORD).text
    clock.set(tenth + rules.LOCKED_FOR)
    good = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    assert not driver.run(discord_id, f"/mentor link {good}", channel=DISCORD).error


def test_wrong_codes_spread_over_more_than_an_hour_do_not_lock(
        driver: Driver, core: Core, clock: FixedClock, two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    for _ in range(rules.MAX_WRONG_CODES + 2):
        clock.advance(timedelta(minutes=7))
        assert "doesn't work" in driver.run(discord_id, "/mentor link AAAA-AAAA",
                                            channel=DISCORD).text
    good = _code(driver.run(slack_id, "/mentor link", channel=SLACK))
    assert not driver.run(discord_id, f"/mentor link {good}", channel=DISCORD).error


# --- the rules, for any input -----------------------------------------------------------------


@given(st.lists(st.sampled_from(" -"), max_size=3), st.booleans())
def test_a_fresh_code_is_read_back_however_it_is_typed(noise: list[str], lower: bool) -> None:
    code = rules.new_code()
    typed = "".join(noise) + (code.lower() if lower else code) + "".join(noise)
    assert rules.normalize_code(typed) == code.replace("-", "")


@given(st.text(max_size=20))
def test_only_eight_unambiguous_characters_are_a_code(text: str) -> None:
    normalized = rules.normalize_code(text)
    if normalized is not None:
        assert len(normalized) == rules.CODE_LENGTH
        assert set(normalized) <= set(rules.CODE_ALPHABET)


T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
minutes = st.lists(st.integers(min_value=0, max_value=240), max_size=25)


def _reference_lock(offsets: list[int], now: int) -> int | None:
    """Minute by minute: locked for an hour after any wrong code that made ten in less
    than an hour."""
    times = sorted(t for t in offsets if t <= now)
    ends = [t + 60 for i, t in enumerate(times)
            if len([u for u in times[:i + 1] if u > t - 60]) >= 10 and t + 60 > now]
    return max(ends) if ends else None


@given(minutes, st.integers(min_value=0, max_value=400))
def test_the_lock_follows_its_definition(offsets: list[int], now: int) -> None:
    at = [T0 + timedelta(minutes=m) for m in offsets]
    until = rules.locked_until(at, T0 + timedelta(minutes=now))
    expected = _reference_lock(offsets, now)
    assert until == (None if expected is None else T0 + timedelta(minutes=expected))


@given(minutes, st.integers(min_value=0, max_value=240), st.integers(min_value=0, max_value=400))
def test_another_wrong_code_never_shortens_a_lock(offsets: list[int], extra: int,
                                                  now: int) -> None:
    at = [T0 + timedelta(minutes=m) for m in offsets]
    moment = T0 + timedelta(minutes=now)
    before = rules.locked_until(at, moment)
    after = rules.locked_until([*at, T0 + timedelta(minutes=extra)], moment)
    assert before is None or (after is not None and after >= before)


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_a_confirmation_is_good_for_its_window_only(age: int) -> None:
    now = T0
    fresh = rules.confirmation_fresh(int(now.timestamp()) - age, now)
    assert fresh == (0 <= age <= rules.CONFIRM_WINDOW.total_seconds())


# --- merging what both records held -----------------------------------------------------------


@pytest.fixture
def overlapping(core: Core) -> dict[str, int]:
    """Maya used Slack (her roster record) and Discord before linking them: both records
    hold data, some of it the same."""
    now = core.clock.now()
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    with core.db.session() as s:
        elena = add_faculty(s, "Dr. Elena Ramirez", research=["ultrasound"])
        omar = add_faculty(s, "Dr. Omar Farah")
        hannah = add_faculty(s, "Dr. Hannah Cho")
        slack = _account(s, "Maya Patel", "slack", "U0MAYA", email="maya@example.edu",
                         workspace="T1")
        slack.timezone = "America/New_York"
        slack.student_profile.interests = ["emergency medicine"]  # type: ignore[union-attr]
        discord = _account(s, "maya_p", "discord", "300000000000000001")
        discord.student_profile = StudentProfile(stage=None, interests=["ultrasound"])
        em = add_group(s, "em", members=[slack, discord])
        im = add_group(s, "im", members=[discord])
        # On the test's clock: left to the column's default they would carry the real date,
        # and which of the two em memberships is the earlier would depend on it.
        s.execute(Membership.__table__.update().values(joined_at=now))
        s.execute(Membership.__table__.update().where(Membership.person_id == slack.id)
                  .values(joined_at=days(200)))
        old = Mentorship(student_id=slack.id, mentor_id=elena.id, kind="career",
                         started_at=days(100), last_contact_at=days(30))
        new = Mentorship(student_id=discord.id, mentor_id=elena.id, kind="career",
                         started_at=days(20), last_contact_at=days(2))
        other = Mentorship(student_id=discord.id, mentor_id=hannah.id, kind="clinical",
                           started_at=days(10))
        s.add_all([old, new, other])
        s.flush()
        letter = Letter(student_id=slack.id, writer_id=elena.id, writer_name="Dr. Elena Ramirez",
                        program="EM residency", deadline=(now + timedelta(days=60)).date(),
                        state="agreed", created_at=days(40))
        twin = Letter(student_id=discord.id, writer_id=elena.id,
                      writer_name="Dr. Elena Ramirez", program="em  Residency",
                      deadline=(now + timedelta(days=60)).date(), state="planned",
                      created_at=days(5))
        own = Letter(student_id=discord.id, writer_name="Prof. Karen Liu",
                     program="MD applications", deadline=(now + timedelta(days=90)).date(),
                     created_at=days(3))
        s.add_all([letter, twin, own])
        s.flush()
        s.add_all([
            LetterEvent(letter_id=twin.id, to_state="planned", at=days(5)),
            Contact(student_id=slack.id, mentor_id=elena.id, mentorship_id=old.id,
                    at=days(30), note="from slack"),
            Contact(student_id=discord.id, mentor_id=elena.id, mentorship_id=new.id,
                    at=days(2), note="from discord", rating=4),
            ActionItem(student_id=discord.id, mentor_id=elena.id, mentorship_id=new.id,
                       task="read the guide"),
            Checkin(mentorship_id=old.id, student_id=slack.id, round=0, asked_at=days(86),
                    answer="met"),
            Checkin(mentorship_id=new.id, student_id=discord.id, round=0, asked_at=days(6)),
            Checkin(mentorship_id=new.id, student_id=discord.id, round=1, asked_at=days(1)),
            IntroRequest(student_id=slack.id, faculty_id=omar.id, created_at=days(6)),
            IntroRequest(student_id=discord.id, faculty_id=omar.id, created_at=days(1)),
            IntroRequest(student_id=discord.id, faculty_id=hannah.id, state="accepted",
                         created_at=days(12)),
        ])
        s.flush()
        for person, mentorship, key in ((slack, old, "a"), (discord, new, "b")):
            queue_notice(s, person.id, Reply(title="Follow up"), key=f"fu:{key}", now=now,
                         subject_type=Subject.MENTORSHIP, subject_id=mentorship.id)
        return {"slack": slack.id, "discord": discord.id, "elena": elena.id,
                "omar": omar.id, "hannah": hannah.id, "em": em.id, "im": im.id,
                "old": old.id, "new": new.id, "letter": letter.id, "twin": twin.id}


def test_merging_overlapping_records(driver: Driver, core: Core,
                                     overlapping: dict[str, int]) -> None:
    ids = overlapping
    now = core.clock.now()
    reply = _link(driver, ids["slack"], ids["discord"])
    assert not reply.error, reply.as_text()
    merged = {s.heading: s.text for s in reply.sections}
    # what the Discord record held (its account, the code it typed and the request that
    # made, its two groups and role, two requests and two mentorships, ...) joins Maya's
    assert merged["Joined from the other account"].splitlines() == [
        "• Profile: 1 record", "• Accounts: 3 records", "• Groups: 3 records",
        "• Introductions and mentorships: 4 records", "• Contacts and notes: 1 record",
        "• Check-ins: 2 records", "• Action items: 1 record", "• Letters: 2 records",
        "• Nudges: 1 record"]
    assert merged["Kept once"].splitlines() == [
        "• 1 mentorship with the same mentor, now one", "• 1 intro request sent twice, now one",
        "• 1 letter tracked twice, now one", "• 1 group you were in twice",
        "• 1 role you held twice"]
    with core.db.session() as s:
        maya = s.get_one(Person, ids["slack"])
        assert s.get(Person, ids["discord"]) is None
        assert (maya.name, maya.email, maya.timezone) == ("Maya Patel", "maya@example.edu",
                                                          "America/New_York")
        assert [r.role for r in maya.roles] == ["student"]
        assert maya.student_profile is not None
        assert maya.student_profile.interests == ["emergency medicine", "ultrasound"]
        joined = {m.group_id: m.joined_at for m in s.scalars(
            select(Membership).where(Membership.person_id == maya.id))}
        assert joined == {ids["em"]: now - timedelta(days=200), ids["im"]: joined[ids["im"]]}
        # one mentorship with Elena: the earlier start, the later contact
        (with_elena,) = s.scalars(select(Mentorship).where(Mentorship.mentor_id == ids["elena"]))
        assert with_elena.id == ids["old"] and with_elena.student_id == maya.id
        assert with_elena.started_at == now - timedelta(days=100)
        assert with_elena.last_contact_at == now - timedelta(days=2)
        assert {c.note: c.mentorship_id for c in s.scalars(select(Contact))} == {
            "from slack": ids["old"], "from discord": ids["old"]}
        assert s.scalar(select(ActionItem.mentorship_id)) == ids["old"]
        # check-ins: round 0 was asked of both; the kept mentorship's stays, round 1 moves
        assert sorted((c.mentorship_id, c.round, c.answer) for c in s.scalars(
            select(Checkin))) == [(ids["old"], 0, "met"), (ids["old"], 1, None)]
        assert s.scalar(select(func.count()).select_from(Mentorship)) == 2
        # the letter tracked twice is one: the one further along
        letters = {letter.program: letter for letter in s.scalars(select(Letter))}
        assert set(letters) == {"EM residency", "MD applications"}
        assert letters["EM residency"].id == ids["letter"]
        assert letters["EM residency"].state == "agreed"
        assert s.scalar(select(func.count()).select_from(LetterEvent)) == 0
        assert all(letter.student_id == maya.id for letter in letters.values())
        # one open request to Omar (the earlier), the answered one to Hannah stays
        requests = sorted((r.faculty_id, r.state, r.created_at) for r in s.scalars(
            select(IntroRequest)))
        assert requests == sorted([(ids["omar"], "open", now - timedelta(days=6)),
                                   (ids["hannah"], "accepted", now - timedelta(days=12))])
        # nudges moved; the dropped mentorship's pending one is cancelled
        nudges = {n.dedup_key: n for n in s.scalars(select(Nudge))}
        assert {n.person_id for n in nudges.values()} == {maya.id}
        assert nudges["notice:fu:a"].state == NudgeState.PENDING
        assert nudges["notice:fu:b"].state == NudgeState.CANCELLED
        # nothing anywhere names the other record any more
        assert references.counts(s, ids["discord"]) == {}


def test_a_faculty_members_new_account_does_not_make_them_a_student(
        driver: Driver, core: Core) -> None:
    with core.db.session() as s:
        elena = add_faculty(s, "Dr. Elena Ramirez", email="elena@example.edu")
        elena.identities.append(Identity(platform="slack", workspace="T1",
                                         external_id="U0ELENA"))
        fresh = _account(s, "elena.r", "discord", "300000000000000007")
        elena_id, fresh_id = elena.id, fresh.id
    reply = _link(driver, elena_id, fresh_id)
    assert not reply.error
    with core.db.session() as s:
        assert s.get(Person, fresh_id) is None
        person = s.get_one(Person, elena_id)
        assert [r.role for r in person.roles] == ["faculty"]
        assert person.faculty_profile is not None and person.student_profile is None
        assert person.name == "Dr. Elena Ramirez"


def test_two_emails_keep_the_kept_records_and_say_so(driver: Driver, core: Core) -> None:
    with core.db.session() as s:
        slack = _account(s, "Maya Patel", "slack", "U0MAYA", email="maya@school.edu",
                         workspace="T1")
        discord = _account(s, "Maya P", "discord", "300000000000000001",
                           email="maya@gmail.example")
        slack_id, discord_id = slack.id, discord.id
    reply = _link(driver, slack_id, discord_id)
    assert reply.footer == ("maya@gmail.example was the other account's email; I keep only "
                            "yours, so it is no longer on file.")
    with core.db.session() as s:
        person = s.get_one(Person, slack_id)
        assert (person.name, person.email) == ("Maya Patel", "maya@school.edu")


# --- where nudges go ---------------------------------------------------------------------------


def test_every_request_records_the_platform_used(driver: Driver, core: Core,
                                                 two: tuple[int, int]) -> None:
    slack_id, _ = two
    driver.run(slack_id, "/mentor profile", channel=DISCORD)
    driver.run(slack_id, "/mentor help")  # the console is no platform of theirs
    with core.db.session() as s:
        assert s.get_one(Person, slack_id).last_platform == "discord"
    core.handle_action(slack_id, "mb|mentor.profile", channel=SLACK)
    with core.db.session() as s:
        assert s.get_one(Person, slack_id).last_platform == "slack"


def test_notify_choice_needs_an_account_there(driver: Driver, core: Core,
                                              two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    refused = driver.run(slack_id, "/mentor profile notify:discord tz:Europe/Paris")
    assert refused.error
    assert refused.text == ("notify: you have no Discord account linked yet. Type /mentor "
                            "link here for a one-time code, then /mentor link CODE in Discord.")
    with core.db.session() as s:
        person = s.get_one(Person, slack_id)
        assert person.notify_platform is None and person.timezone is None
    assert driver.run(slack_id, "/mentor profile notify:bluesky").error
    _link(driver, slack_id, discord_id)
    shown = driver.run(slack_id, "/mentor profile notify:slack", channel=DISCORD)
    assert dict((f.name, f.value) for f in shown.fields)["Nudges go to"] == "Slack (your choice)"
    shown = driver.run(slack_id, "/mentor profile notify:last", channel=DISCORD)
    assert dict((f.name, f.value) for f in shown.fields)["Nudges go to"] == \
        "Discord, where you used me last"
    with core.db.session() as s:
        assert s.get_one(Person, slack_id).notify_platform is None


def test_the_router_prefers_the_choice_then_the_last_platform() -> None:
    slack = RecordingChannel(name="slack", platform="slack")
    discord = RecordingChannel(name="discord", platform="discord")
    router = Router([slack, discord])
    both = (("slack", "T1", "U1"), ("discord", "", "3"))
    assert router.channel_for(Address(1, "M", None, both)) is slack
    assert router.channel_for(Address(1, "M", None, both, last_platform="discord")) is discord
    assert router.channel_for(Address(1, "M", None, both, notify_platform="slack",
                                      last_platform="discord")) is slack
    only_slack = (("slack", "T1", "U1"),)
    assert router.channel_for(Address(1, "M", None, only_slack,
                                      notify_platform="discord")) is slack
    assert router.channel_for(Address(1, "M", None, ())) is None
    # a preferred platform that is not running falls through
    assert Router([slack]).channel_for(Address(1, "M", None, both,
                                               last_platform="discord")) is slack


def test_after_linking_nudges_follow_the_platform_used_last_or_chosen(
        driver: Driver, core: Core, database: Database, two: tuple[int, int]) -> None:
    slack_id, discord_id = two
    _link(driver, slack_id, discord_id)
    slack = RecordingChannel(name="slack", platform="slack")
    discord = RecordingChannel(name="discord", platform="discord")
    router = Router([slack, discord])

    def deliver(key: str) -> None:
        with database.session() as s:
            queue_notice(s, slack_id, Reply(text=key), key=key, now=core.clock.now())
        Sweeper(database, core.clock, router, core.nudge_catalog,
                threads=1).run(kinds=(NudgeKind.NOTICE,))

    deliver("after linking")  # they confirmed the link on Slack: used last
    driver.run(slack_id, "/mentor list", channel=DISCORD)
    deliver("after a Discord command")
    driver.run(slack_id, "/mentor profile notify:slack", channel=DISCORD)
    deliver("chose Slack")
    question, *rest = slack.texts()
    assert question == "Link an account to you?"
    assert slack.sent[0].reply.text.startswith("Link the Discord account “maya_p” (id 3000")
    assert rest == ["after linking", "chose Slack"]
    assert discord.texts() == ["after a Discord command"]


def test_a_stale_cached_id_acts_as_the_accounts_owner(driver: Driver, core: Core,
                                                      two: tuple[int, int]) -> None:
    """An adapter that cached the merged-away record's id (or an id since given to someone
    else) still acts as whoever holds the account now."""
    slack_id, discord_id = two
    _link(driver, slack_id, discord_id)
    account = PlatformUser("discord", "300000000000000001")
    reply = core.handle(Request(root="mentor", actor_id=discord_id, text="profile",
                                channel=DISCORD, account=account))
    assert not reply.error and dict((f.name, f.value) for f in reply.fields)["Email"] == \
        "maya@example.edu"
    with core.db.session() as s:
        stranger = add_student(s, "Someone Else").id
    reply = core.handle(Request(root="mentor", actor_id=stranger, text="profile",
                                channel=DISCORD, account=account))
    assert dict((f.name, f.value) for f in reply.fields)["Name"] == "Maya Patel"
    gone = core.handle(Request(root="mentor", actor_id=stranger, text="profile",
                               channel=SLACK, account=PlatformUser("slack", "U0NOBODY",
                                                                   workspace="T1")))
    assert gone.error and "I don't know you yet" in gone.text


@given(st.lists(st.tuples(st.integers(0, 1000), st.one_of(st.none(), st.integers(0, 1000))),
                min_size=1, max_size=5))
def test_one_mentorship_from_several_keeps_the_earlier_start_and_the_later_contact(
        spans: list[tuple[int, int | None]]) -> None:
    starts = [T0 + timedelta(days=s) for s, _ in spans]
    contacts = [None if c is None else T0 + timedelta(days=c) for _, c in spans]
    start, last = rules.joined_span(starts, contacts)
    assert start == min(starts)
    assert last == max((c for c in contacts if c is not None), default=None)


@pytest.mark.parametrize(("kept", "other", "name"), [
    (("maya_p", None), ("Maya Patel", "maya@example.edu"), "Maya Patel"),
    (("Maya Patel", "maya@example.edu"), ("maya_p", None), "Maya Patel"),
    (("Maya P", "maya@gmail.example"), ("Maya Patel", "maya@example.edu"), "Maya P"),
    (("maya_p", None), ("mp", None), "maya_p"),
])
def test_the_name_of_a_joined_record(kept: tuple[str, str | None],
                                     other: tuple[str, str | None], name: str) -> None:
    assert rules.merged_name(*kept, *other) == name


# --- nobody takes what is someone else's --------------------------------------------------

MAYA_SLACK = PlatformUser("slack", "U0MAYA", workspace="T1")
MAYA_DISCORD = PlatformUser("discord", "300000000000000001")
BOB_DISCORD = PlatformUser("discord", "300000000000000002")
LINK_TABLES = ("link_codes", "link_attempts", "link_requests", "link_merges", "nudges")


def _as(core: Core, person: int, line: str, account: PlatformUser) -> Reply:
    """A command typed from a platform account, as the adapters send it."""
    channel = SLACK if account.platform == "slack" else DISCORD
    return core.handle(Request(root="mentor", actor_id=person, text=line.removeprefix(
        "/mentor "), channel=channel, account=account))


def _press(core: Core, person: int, encoded: str, account: PlatformUser) -> Reply:
    channel = SLACK if account.platform == "slack" else DISCORD
    return core.handle_action(person, encoded, channel=channel, account=account)


def _records(core: Core) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, the link's own bookkeeping and the DMs about it aside
    (nudges are compared without the link's messages), and without the platform each
    person used last (typing anything changes that)."""
    with core.db.session() as session:
        rows = snapshot(session, skip=LINK_TABLES)
        rows["nudges"] = sorted(
            (tuple(r) for r in session.execute(
                select(Nudge.__table__).where(~Nudge.dedup_key.like("notice:link-%")))),
            key=repr)
        rows["people"] = sorted(
            (tuple(r) for r in session.execute(
                select(*(c for c in Person.__table__.columns if c.name != "last_platform")))),
            key=repr)
        return rows


@pytest.fixture
def bob(core: Core) -> int:
    """A second student, on Discord, who saw Maya's code."""
    with core.db.session() as session:
        return _account(session, "Bob Stone", "discord", BOB_DISCORD.external_id).id


def test_a_second_student_typing_her_code_gets_nothing_of_hers(
        core: Core, overlapping: dict[str, int], bob: int) -> None:
    maya = overlapping["slack"]
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    before = _records(core)
    refused: list[str] = []

    def attempt(what: str, reply: Reply) -> None:
        assert reply.error or reply.title == "Waiting for a confirmation", (what, reply.text)
        assert _records(core) == before, what
        refused.append(what)

    typed = _as(core, bob, f"/mentor link {code}", BOB_DISCORD)
    assert typed.text.startswith("That code was asked for on Slack. I've asked there whether "
                                 "this account is theirs; nothing is joined until they press "
                                 "Link (within 1 hour).")
    attempt("types her code", typed)
    asked = question(core, maya)
    assert asked.title == "Link an account to you?"
    assert asked.text.startswith("Link the Discord account “Bob Stone” (id 300000000000000002) "
                                 "to you? It typed the link code you asked for, at Mon 04 Jan "
                                 "2027 10:00 EST.")  # in her zone
    link, not_me = buttons(asked)["Link"], buttons(asked)["Not me"]
    attempt("presses her Link button", _press(core, bob, link, BOB_DISCORD))
    request = re.search(r"request=(\d+)", link)
    assert request is not None
    attempt("types the Link button's command",
            _as(core, bob, f"/mentor link confirm request:{request.group(1)}", BOB_DISCORD))
    attempt("undoes a link he never made", _as(core, bob, "/mentor link undo", BOB_DISCORD))
    attempt("types her code again", _as(core, bob, f"/mentor link {code}", BOB_DISCORD))

    said = _press(core, maya, not_me, MAYA_SLACK)
    assert (said.title, said.error) == ("Nothing linked", False)
    assert _records(core) == before  # "Not me" leaves both records exactly as they were
    with core.db.session() as session:
        told = session.scalars(select(Nudge).where(Nudge.person_id == bob)).one()
        assert "said this Discord account is not theirs, so nothing was linked" in told.text
        request_row = session.scalars(select(LinkRequest)).one()
        assert (request_row.state, request_row.answered_at) == ("refused", core.clock.now())
    attempt("presses Link after she said Not me", _press(core, maya, link, MAYA_SLACK))
    attempt("presses Not me again", _press(core, maya, not_me, MAYA_SLACK))
    # her "Not me" counted against him: nine more guesses lock him out, right code or not
    for guess in range(rules.MAX_WRONG_CODES - 2):
        attempt(f"guess {guess + 1}", _as(core, bob, "/mentor link AAAA-AAAA", BOB_DISCORD))
    fresh = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    locked = _as(core, bob, f"/mentor link {fresh}", BOB_DISCORD)
    assert locked.text.startswith("Too many wrong codes")
    attempt("types her fresh code while locked", locked)
    assert len(refused) == 16


def test_an_unanswered_request_expires(core: Core, clock: FixedClock, two: tuple[int, int],
                                       bob: int) -> None:
    maya, _ = two
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    _as(core, bob, f"/mentor link {code}", BOB_DISCORD)
    before = _records(core)
    clock.advance(rules.ANSWER_WINDOW)
    late = _press(core, maya, buttons(question(core, maya))["Link"], MAYA_SLACK)
    assert late.error and late.text == (
        "That link request is more than 1 hour old, so it links nothing. To link, type "
        "/mentor link here for a new code and type it on Discord.")
    assert _records(core) == before


def test_an_account_linked_elsewhere_meanwhile_is_not_joined(core: Core, two: tuple[int, int],
                                                             bob: int) -> None:
    """Bob typed Maya's code, then joined his Discord account to Carol's record before Maya
    answered: Maya was asked about Bob's account, not Carol's record."""
    maya, _ = two
    with core.db.session() as session:
        carol = _account(session, "Carol Diaz", "slack", "U0CAROL", email="carol@example.edu",
                         workspace="T1").id
    carol_slack = PlatformUser("slack", "U0CAROL", workspace="T1")
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    _as(core, bob, f"/mentor link {code}", BOB_DISCORD)
    maya_link = buttons(question(core, maya))["Link"]
    carol_code = _code(_as(core, carol, "/mentor link", carol_slack))
    _as(core, bob, f"/mentor link {carol_code}", BOB_DISCORD)
    assert not _press(core, carol, buttons(question(core, carol))["Link"], carol_slack).error
    before = _records(core)
    late = _press(core, maya, maya_link, MAYA_SLACK)
    assert late.error and late.text.startswith("That account has been linked to someone else")
    assert _records(core) == before


def test_undo_within_a_week_restores_both_records(
        core: Core, clock: FixedClock, overlapping: dict[str, int]) -> None:
    """Everything both records held (joined mentorships, letters, requests, groups, roles,
    profiles, nudges) is as it was before the link, and the other record has its id back."""
    maya, other = overlapping["slack"], overlapping["discord"]
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    _as(core, other, f"/mentor link {code}", MAYA_DISCORD)
    before = _records(core)
    linked = _press(core, maya, buttons(question(core, maya))["Link"], MAYA_SLACK)
    assert linked.title == "Accounts linked"
    assert "/mentor link undo within 7 days puts it back." in linked.text
    assert _records(core) != before
    with core.db.session() as session:
        (merge,) = session.scalars(select(LinkMerge))
        assert (merge.person_id, merge.other_id, merge.merged_at) == (maya, other,
                                                                      clock.now())
        moved = {(row["table"], row["before"].get("person_id")) for row in
                 merge.journal["rows"] if row["before"] and row["after"]}
        assert ("identities", other) in moved  # the Discord account came from her other record

    clock.advance(rules.UNDO_WINDOW - timedelta(seconds=1))
    from_brought = _as(core, maya, "/mentor link undo", MAYA_DISCORD)
    assert from_brought.error and from_brought.text.startswith(
        "Undo a link from the account that asked for the code")
    undone = _as(core, maya, "/mentor link undo", MAYA_SLACK)
    assert (undone.title, undone.error) == ("Link undone", False), undone.text
    assert _records(core) == before
    with core.db.session() as session:
        assert session.get_one(Person, other).name == "maya_p"
        assert session.scalar(select(LinkRequest.state)) == "undone"
        assert session.scalar(select(LinkMerge.journal)) == {}
    again = _as(core, maya, "/mentor link undo", MAYA_SLACK)
    assert again.error and again.text == "You have no link to undo."
    # each account acts as its own person again
    assert dict((f.name, f.value) for f in _as(core, other, "/mentor profile",
                                               MAYA_DISCORD).fields)["Name"] == "maya_p"


def test_undo_after_a_week_is_refused(core: Core, clock: FixedClock,
                                      two: tuple[int, int]) -> None:
    maya, other = two
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    _as(core, other, f"/mentor link {code}", MAYA_DISCORD)
    _press(core, maya, buttons(question(core, maya))["Link"], MAYA_SLACK)
    clock.advance(rules.UNDO_WINDOW)
    before = _records(core)
    late = _as(core, maya, "/mentor link undo", MAYA_SLACK)
    assert late.error and late.text == ("Your last link was made Mon 04 Jan 2027 15:00 UTC: a "
                                        "link can be undone for 7 days, so this one stays.")
    assert _records(core) == before
    with core.db.session() as session:
        assert session.get(Person, other) is None


def test_undo_keeps_what_changed_since_the_link(core: Core, clock: FixedClock,
                                                overlapping: dict[str, int]) -> None:
    """A contact logged after the link moved the kept mentorship's clock: the undo puts
    back the rows the link changed, and leaves a value the person changed since."""
    maya, other = overlapping["slack"], overlapping["discord"]
    code = _code(_as(core, maya, "/mentor link", MAYA_SLACK))
    _as(core, other, f"/mentor link {code}", MAYA_DISCORD)
    _press(core, maya, buttons(question(core, maya))["Link"], MAYA_SLACK)
    clock.advance(timedelta(days=1))
    assert not _as(core, maya, '/mentor log "Elena Ramirez"', MAYA_SLACK).error
    undone = _as(core, maya, "/mentor link undo", MAYA_SLACK)
    assert undone.text == ("The other account is its own person again, with what it "
                           "brought; your record is as it was before the link. 1 value "
                           "changed since the link stays as it is now.")
    with core.db.session() as session:
        kept = session.get_one(Mentorship, overlapping["old"])
        assert kept.last_contact_at == clock.now()
        assert session.get_one(Mentorship, overlapping["new"]).student_id == other
