"""Running a group through the core: bind, the list of groups, settings and the digest
schedule that follows them, removing organizers, match without group:, announcements, and
how far a platform admin's rights reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app.core import Core
from bot.app.planning import plan_all
from bot.framework.channels import ChannelRef, ChannelTarget, DeliveryError, Router
from bot.framework.registry import Audience
from bot.groups.digest_rules import next_moment
from bot.groups.rules import WEEKDAYS, DigestSetting, admin_reaches, parse_digest
from bot.infra.clock import FixedClock
from bot.infra.models import (
    ChannelBinding,
    DigestPost,
    InterestGroup,
    Membership,
    Mentorship,
    Person,
    Role,
)
from bot.infra.zones import to_local
from jobs.digest import catch_up, due_groups
from jobs.scheduler import SchedulerService, digest_job_id
from tests.support.channels import RecordingChannel
from tests.support.factories import Driver, add_faculty, add_group, add_student

NY = "America/New_York"
HOME = ChannelRef(platform="slack", workspace="T1", channel_id="C_EM")
OTHER_CHANNEL = ChannelRef(platform="slack", workspace="T1", channel_id="C_EM2")
ELSEWHERE = ChannelRef(platform="slack", workspace="T2", channel_id="C_X")
DM = ChannelRef(platform="slack", workspace="T1", channel_id="D1", is_dm=True)


def _bind(session: Any, group: InterestGroup, where: ChannelRef = HOME) -> None:
    group.bindings.append(ChannelBinding(platform=where.platform, workspace=where.workspace,
                                         channel_id=where.channel_id))
    session.flush()


@pytest.fixture
def em(core: Core) -> dict[str, int]:
    """em-interest (bound to C_EM in workspace T1) with an organizer, a faculty member and a
    student; peds (not bound) with another organizer."""
    with core.db.session() as s:
        kim = add_student(s, "Jordan Kim", tz=NY)
        lee = add_faculty(s, "Dr. Kim Lee", tz=NY)
        ana = add_student(s, "Ana Diaz", wants_mentor=True)
        rivera = add_faculty(s, "Dr. Maria Rivera")
        group = add_group(s, "em-interest", name="EM Interest Group",
                          specialty="emergency medicine", members=[ana, rivera],
                          organizers=[kim])
        s.add(Membership(person_id=kim.id, group_id=group.id))
        _bind(s, group)
        peds = add_group(s, "peds", name="Pediatrics IG", organizers=[lee])
        return {"kim": kim.id, "lee": lee.id, "ana": ana.id, "rivera": rivera.id,
                "group": group.id, "peds": peds.id}


def _snapshot(core: Core) -> tuple[Any, ...]:
    """Everything a group command could change."""
    with core.db.session() as s:
        groups = s.execute(select(InterestGroup.slug, InterestGroup.name,
                                  InterestGroup.timezone, InterestGroup.digest_weekday,
                                  InterestGroup.digest_hour, InterestGroup.digest_enabled,
                                  InterestGroup.followup_weeks)
                           .order_by(InterestGroup.slug)).all()
        roles = s.execute(select(Role.person_id, Role.role, Role.group_id)
                          .order_by(Role.person_id, Role.role, Role.group_id)).all()
        bindings = s.execute(select(ChannelBinding.group_id, ChannelBinding.channel_id)
                             .order_by(ChannelBinding.id)).all()
        mentorships = s.scalar(select(func.count()).select_from(Mentorship))
        digests = s.scalar(select(func.count()).select_from(DigestPost))
    return tuple(groups), tuple(roles), tuple(bindings), mentorships, digests


# --- bind --------------------------------------------------------------------------------


def test_an_imported_group_is_bound_by_its_organizer_and_gets_its_digest(
        core: Core, driver: Driver, clock: FixedClock) -> None:
    """The README's deployment: `organizer add` made the group and its organizer, then the
    organizer binds it in its channel; `group create` there says to bind instead."""
    with core.db.session() as s:
        advisor = add_faculty(s, "Dr. Ada Advisor")
        group = add_group(s, "surgery", name="Surgery IG", organizers=[advisor])
        group.created_at = clock.now() - timedelta(days=30)
    here = ChannelRef(platform="slack", workspace="T1", channel_id="C_SURG")
    exists = driver.run(advisor, '/mentor group create surgery name:"Surgery" '
                                 'specialty:surgery', channel=here)
    assert exists.error and exists.title == "Group exists"
    assert exists.text == ("A group “surgery” already exists. To use it in this channel, an organizer of "
            "surgery runs /mentor group bind surgery here.")
    bound = driver.run(advisor, "/mentor group bind surgery", channel=here)
    assert not bound.error, bound.as_text()
    assert bound.title == "This channel is now bound to Surgery IG (surgery)"
    assert not bound.ephemeral
    again = driver.run(advisor, "/mentor group bind surgery", channel=here)
    assert again.title == "This channel is already bound to Surgery IG."
    with core.db.session() as s:
        assert s.execute(select(ChannelBinding.platform, ChannelBinding.workspace,
                                ChannelBinding.channel_id)).all() == [("slack", "T1", "C_SURG")]
    channel = RecordingChannel()
    (result,) = catch_up(core.db, Router([channel]), clock)
    assert result.state == "posted"
    assert [p.target for p in channel.posted] == [ChannelTarget("slack", "T1", "C_SURG")]
    assert channel.posted[0].reply.title == "This week in Surgery IG"


def test_bind_refuses_a_dm_a_channel_of_another_group_and_strangers(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    before = _snapshot(core)
    in_dm = driver.run(em["kim"], "/mentor group bind em-interest", channel=DM)
    assert in_dm.error and in_dm.text == (
        "Run /mentor group bind em-interest in the Slack or Discord channel to bind: a direct "
        "message can't be a group's channel.")
    taken = driver.run(em["lee"], "/mentor group bind peds", channel=HOME)
    assert taken.error and taken.text == ("This channel already belongs to the group "
                                          "em-interest.")
    stranger = driver.run(em["ana"], "/mentor group bind em-interest", channel=OTHER_CHANNEL)
    assert stranger.error and "is for group organizers" in stranger.text
    organizer_of_other = driver.run(em["lee"], "/mentor group bind em-interest",
                                    channel=OTHER_CHANNEL)
    assert organizer_of_other.error and organizer_of_other.title == "Not allowed"
    assert "Only organizers of EM Interest Group (Jordan Kim)" in organizer_of_other.text
    unknown = driver.run(em["kim"], "/mentor group bind em-intrest", channel=OTHER_CHANNEL)
    assert unknown.error and "Did you mean em-interest" in unknown.text
    assert _snapshot(core) == before


def test_an_admin_binds_only_where_the_group_already_lives(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    with core.db.session() as s:
        admin = add_student(s, "Sam Admin").id
    # An admin of T1 adds a second channel of T1 to em-interest (bound in T1)…
    added = driver.run(admin, "/mentor group bind em-interest", channel=OTHER_CHANNEL,
                       is_admin=True)
    assert not added.error, added.as_text()
    # …but cannot take peds (bound nowhere) or em-interest into workspace T2.
    before = _snapshot(core)
    peds = driver.run(admin, "/mentor group bind peds", channel=OTHER_CHANNEL, is_admin=True)
    assert peds.error and "Only organizers of Pediatrics IG (Dr. Kim Lee)" in peds.text
    t2 = driver.run(admin, "/mentor group bind em-interest", channel=ELSEWHERE, is_admin=True)
    assert t2.error and "a workspace admin can't" in t2.text
    assert _snapshot(core) == before


# --- /mentor groups ------------------------------------------------------------------------


def test_groups_lists_every_group_with_members_organizers_and_channels(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    reply = driver.run(em["ana"], "/mentor groups", channel=HOME)
    assert not reply.error
    assert reply.title == "Interest groups (2)"
    by_heading = {s.heading: {f.name: f.value for f in s.fields} for s in reply.sections}
    assert by_heading == {
        "EM Interest Group (em-interest)": {
            "Specialty": "emergency medicine", "Members": "3", "Organizers": "Jordan Kim",
            "Channels": "Slack channel C_EM (this channel)"},
        "Pediatrics IG (peds)": {
            "Specialty": "-", "Members": "0", "Organizers": "Dr. Kim Lee",
            "Channels": "not bound to a channel yet"},
    }


def test_group_alone_lists_its_subcommands(core: Core, driver: Driver,
                                           em: dict[str, int]) -> None:
    text = driver.run(em["ana"], "/mentor group").as_text()
    for sub in ("bind", "create", "organizer", "settings"):
        assert f"/mentor group {sub}" in text


# --- settings and the digest schedule --------------------------------------------------------


def test_a_new_group_takes_its_creators_zone_else_the_default(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    assert not driver.run(em["kim"], "/mentor group create ny-ig name:NY specialty:EM",
                          channel=OTHER_CHANNEL).error
    assert not driver.run(em["rivera"], "/mentor group create x-ig name:X specialty:EM",
                          channel=ELSEWHERE, is_admin=True).error
    with core.db.session() as s:
        zones = dict(s.execute(select(InterestGroup.slug, InterestGroup.timezone)).all())
    assert zones["ny-ig"] == NY
    assert zones["x-ig"] == core.settings.default_timezone


def test_settings_change_name_zone_and_digest_and_say_when_it_comes_next(
        core: Core, driver: Driver, em: dict[str, int], clock: FixedClock) -> None:
    shown = driver.run(em["kim"], "/mentor group settings em-interest")
    assert shown.title == "Settings of EM Interest Group" and not shown.error
    reply = driver.run(em["kim"], '/mentor group settings em-interest name:"EM Interest" '
                                  'tz:America/Chicago digest:"Tuesday 14:00"')
    assert not reply.error, reply.as_text()
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Name"] == "EM Interest"
    assert fields["Time zone"] == "America/Chicago"
    assert fields["Weekly digest"] == "Tuesdays at 14:00, America/Chicago time"
    expected = next_moment(clock.now(), 1, 14, "America/Chicago")
    local = to_local(expected, "America/Chicago")
    assert (local.weekday(), local.hour, local.minute) == (1, 14, 0)
    assert clock.now() < expected <= clock.now() + timedelta(days=7)
    assert fields["Next digest"] == local.strftime("%a %d %b %Y %H:%M ") + local.tzname()
    with core.db.session() as s:
        group = s.get_one(InterestGroup, em["group"])
        assert (group.name, group.timezone, group.digest_weekday, group.digest_hour,
                group.digest_enabled) == ("EM Interest", "America/Chicago", 1, 14, True)
    off = driver.run(em["kim"], "/mentor group settings em-interest digest:off")
    assert {f.name: f.value for f in off.fields}["Next digest"] == \
        "none while the digest is off"
    with core.db.session() as s:
        assert not s.get_one(InterestGroup, em["group"]).digest_enabled


@pytest.mark.parametrize("line, expected", [
    ("name:Renamed digest:\"caturday 9\"", "“caturday” is not a day of the week"),
    ("name:Renamed digest:\"monday 9:30\"", "The digest goes out on the hour: 09:00 or 10:00"),
    ("name:Renamed digest:\"monday 25\"", "25 is not an hour"),
    ("name:Renamed digest:soon", "digest: takes a day and an hour"),
    ("name:Renamed tz:Mars/Olympus", "unknown time zone"),
    ("tz:UTC name:\"EM\u200bInterest\"", "U+200B ZERO WIDTH SPACE"),
    ("tz:UTC name:\"\u202eGI ME\"", "U+202E RIGHT-TO-LEFT OVERRIDE"),
])
def test_bad_settings_are_refused_and_change_nothing(core: Core, driver: Driver,
                                                     em: dict[str, int], line: str,
                                                     expected: str) -> None:
    before = _snapshot(core)
    reply = driver.run(em["kim"], f"/mentor group settings em-interest {line}")
    assert reply.error and expected in reply.text, reply.as_text()
    assert _snapshot(core) == before


@given(st.sampled_from(WEEKDAYS), st.integers(0, 23),
       st.sampled_from(["{day} {hour:02d}:00", "{Day} {hour}", "{day3} {hour}:00",
                        "{Day}s at {hour:02d}:00"]))
def test_digest_setting_reads_any_way_of_writing_a_day_and_hour(day: str, hour: int,
                                                                form: str) -> None:
    typed = form.format(day=day, Day=day.capitalize(), day3=day[:3], hour=hour)
    assert parse_digest(typed) == DigestSetting(True, WEEKDAYS.index(day), hour)


def test_digest_setting_reads_am_pm_and_the_switch() -> None:
    assert parse_digest("Mon 9am") == DigestSetting(True, 0, 9)
    assert parse_digest("fri 12 pm") == DigestSetting(True, 4, 12)
    assert parse_digest("thurs 12am") == DigestSetting(True, 3, 0)
    assert parse_digest("weds 2 p.m.") == DigestSetting(True, 2, 14)
    assert parse_digest("OFF") == DigestSetting(False)
    assert parse_digest("on") == DigestSetting(True)


def _scheduler(core: Core, channel: RecordingChannel) -> SchedulerService:
    service = SchedulerService(core, Router([channel]), plan_all)
    service.add_jobs()
    service.scheduler.start(paused=True)  # jobs in the store; the test runs them
    return service


def test_the_scheduler_follows_a_settings_change_at_once(
        core: Core, driver: Driver, em: dict[str, int], clock: FixedClock) -> None:
    with core.db.session() as s:
        s.get_one(InterestGroup, em["group"]).created_at = clock.now() - timedelta(days=60)
    channel = RecordingChannel()
    service = _scheduler(core, channel)
    try:
        service.catch_up()  # the week's digest, as at start
        assert len(channel.posted) == 1
        job_id = digest_job_id(em["group"])
        assert driver.run(em["kim"], '/mentor group settings em-interest tz:America/Denver '
                                     'digest:"friday 07:00"').error is False
        job = service.scheduler.get_job(job_id)
        assert job is not None
        fire = job.trigger.get_next_fire_time(None, clock.now())
        assert fire == next_moment(clock.now(), 4, 7, "America/Denver")
        local = to_local(fire, "America/Denver")
        assert (local.strftime("%A"), local.hour) == ("Friday", 7)
        # Off: no weekly job, and nothing owed to a catch-up.
        driver.run(em["kim"], "/mentor group settings em-interest digest:off")
        assert service.scheduler.get_job(job_id) is None
        clock.set(fire + timedelta(hours=1))
        assert due_groups(core.db, clock.now()) == []
        service.catch_up()
        assert len(channel.posted) == 1
        # Back on: the job is back at the same local day and hour.
        driver.run(em["kim"], "/mentor group settings em-interest digest:on")
        assert service.scheduler.get_job(job_id) is not None
    finally:
        service.stop()


def _em_results(core: Core, channel: RecordingChannel, clock: FixedClock,
                group_id: int) -> list[tuple[str, str]]:
    return [(r.week, r.state) for r in catch_up(core.db, Router([channel]), clock)
            if r.group_id == group_id]


def test_moving_the_digest_to_a_day_already_past_waits_for_that_day(
        core: Core, driver: Driver, em: dict[str, int], clock: FixedClock) -> None:
    """On a Wednesday, the organizer moves the digest from Friday to Tuesday: this week's
    Tuesday has passed, so nothing is posted until next Tuesday, then it is."""
    with core.db.session() as s:
        group = s.get_one(InterestGroup, em["group"])
        group.created_at = datetime(2026, 11, 1, tzinfo=UTC)
        group.timezone, group.digest_weekday, group.digest_hour = NY, 4, 9
    clock.set(datetime(2027, 1, 13, 15, tzinfo=UTC))  # Wednesday 10:00 in New York
    channel = RecordingChannel()
    assert _em_results(core, channel, clock, em["group"]) == [("2027-W01", "posted")]
    reply = driver.run(em["kim"], '/mentor group settings em-interest digest:"tuesday 09:00"')
    assert {f.name: f.value for f in reply.fields}["Next digest"] == \
        "Tue 19 Jan 2027 09:00 EST"
    assert _em_results(core, channel, clock, em["group"]) == []
    assert len(channel.posted) == 1
    clock.set(datetime(2027, 1, 19, 13, 59, tzinfo=UTC))  # 08:59 in New York
    assert _em_results(core, channel, clock, em["group"]) == []
    clock.set(datetime(2027, 1, 19, 14, 5, tzinfo=UTC))  # next Tuesday, 09:05 New York
    assert _em_results(core, channel, clock, em["group"]) == [("2027-W03", "posted")]
    assert len(channel.posted) == 2


def test_a_digest_owed_before_a_change_stays_owed(core: Core, driver: Driver,
                                                  em: dict[str, int],
                                                  clock: FixedClock) -> None:
    with core.db.session() as s:
        group = s.get_one(InterestGroup, em["group"])
        group.created_at = clock.now() - timedelta(days=60)
    assert em["group"] in {g for g, _ in due_groups(core.db, clock.now())}  # missed
    driver.run(em["kim"], '/mentor group settings em-interest name:"EM IG" '
                          'digest:"monday 10:00"')
    channel = RecordingChannel()
    assert _em_results(core, channel, clock, em["group"]) == [("2027-W01", "posted")]
    assert channel.posted[0].reply.title == "This week in EM IG"


# --- organizers ------------------------------------------------------------------------------


def test_an_organizer_is_removed_but_never_the_last(core: Core, driver: Driver,
                                                    em: dict[str, int]) -> None:
    before = _snapshot(core)
    last = driver.run(em["kim"], "/mentor group organizer em-interest Jordan Kim remove:yes")
    assert last.error and last.title == "Still needed"
    assert last.text == ("Jordan Kim is the only organizer of EM Interest Group, and a group "
                         "needs one. Make someone else an organizer first: /mentor group "
                         "organizer em-interest PERSON.")
    not_one = driver.run(em["kim"], '/mentor group organizer em-interest "Ana Diaz" '
                                    'remove:yes')
    assert not_one.error and not_one.text == "Ana Diaz is not an organizer of EM Interest " \
                                             "Group."
    assert _snapshot(core) == before
    added = driver.run(em["kim"], '/mentor group organizer em-interest "Ana Diaz"')
    assert added.title == "Ana Diaz is now an organizer of EM Interest Group."
    removed = driver.run(em["ana"], "/mentor group organizer em-interest Jordan Kim remove:yes")
    assert not removed.error, removed.as_text()
    assert removed.title == "Jordan Kim no longer organizes EM Interest Group."
    assert removed.text == "Organizers of EM Interest Group now: Ana Diaz."
    with core.db.session() as s:
        kim = s.get_one(Person, em["kim"])
        assert not kim.has_role("organizer", em["group"])
        assert s.scalar(select(Membership.id).where(Membership.person_id == kim.id))
    gone = driver.run(em["kim"], "/mentor group organizer em-interest Ana Diaz remove:yes")
    assert gone.error and "organizers" in gone.text


# --- match without group: ------------------------------------------------------------------


def test_match_dry_run_finds_the_organizers_only_group(core: Core, driver: Driver,
                                                       em: dict[str, int]) -> None:
    reply = driver.run(em["kim"], "/mentor match dry-run", channel=DM)
    assert not reply.error, reply.as_text()
    assert "EM Interest Group" in reply.as_text()
    # An organizer of two groups is asked which, and shown both.
    with core.db.session() as s:
        s.add(Role(person_id=em["kim"], role="organizer", group_id=em["peds"]))
    several = driver.run(em["kim"], "/mentor match dry-run", channel=DM)
    assert several.error and several.title == "Which group?"
    assert several.text == ("You run several groups (em-interest, peds): name one with "
                            "group:SLUG, or run this in the group's channel.")
    # In a group's channel, that group.
    here = driver.run(em["kim"], "/mentor match dry-run", channel=HOME)
    assert not here.error and "EM Interest Group" in here.as_text()
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Mentorship)) == 0


# --- announcements ---------------------------------------------------------------------------


def test_announce_posts_to_every_bound_channel_on_each_platform(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    with core.db.session() as s:
        _bind(s, s.get_one(InterestGroup, em["group"]),
              ChannelRef(platform="discord", workspace="G1", channel_id="555"))
    slack, discord = RecordingChannel(platform="slack"), RecordingChannel(platform="discord")
    core.router = Router([slack, discord])
    reply = driver.run(em["kim"], "/mentor announce em-interest Panel re: the match, "
                                  "Thursday 6 pm <!channel> @everyone", channel=DM)
    assert not reply.error, reply.as_text()
    assert reply.title == "Announced in 2 channels"
    assert reply.text == "• Slack channel C_EM\n• Discord channel 555"
    (to_slack,), (to_discord,) = slack.posted, discord.posted
    assert to_slack.target == ChannelTarget("slack", "T1", "C_EM")
    assert to_discord.target == ChannelTarget("discord", "G1", "555")
    for post in (to_slack.reply, to_discord.reply):
        assert post.text == "Panel re: the match, Thursday 6 pm <!channel> @everyone"
        assert post.ping is None and not post.ephemeral
        assert post.title == "Announcement from EM Interest Group"
        assert post.footer == "Posted by Jordan Kim, organizer"
    pinged = driver.run(em["kim"], "/mentor announce em-interest Sign-ups close ping:here")
    assert pinged.title == "Announced in 2 channels, notifying @here"
    assert [p.reply.ping for p in slack.posted] == [None, "here"]
    assert slack.posted[1].reply.text == "Sign-ups close"


def test_announce_says_which_channels_failed(core: Core, driver: Driver,
                                             em: dict[str, int]) -> None:
    with core.db.session() as s:
        _bind(s, s.get_one(InterestGroup, em["group"]), OTHER_CHANNEL)
    channel = RecordingChannel(failures=[DeliveryError("post to C_EM: not_in_channel",
                                                       permanent=True)])
    core.router = Router([channel])
    reply = driver.run(em["kim"], "/mentor announce em-interest Hello")
    assert reply.title == "Announced in 1 channel" and not reply.error
    assert reply.text == "• Slack channel C_EM2"
    (failed,) = reply.sections
    assert failed.text == "• Slack channel C_EM: post to C_EM: not_in_channel"
    core.router = Router()
    nowhere = driver.run(em["kim"], "/mentor announce em-interest Hello")
    assert nowhere.error and nowhere.title == "The announcement was not posted"
    assert "Slack connection is not running here" in nowhere.as_text()


def test_announce_refuses_an_unbound_group_a_bad_ping_and_non_organizers(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    channel = RecordingChannel()
    core.router = Router([channel])
    unbound = driver.run(em["lee"], "/mentor announce peds Hello")
    assert unbound.error and unbound.text == (
        "Pediatrics IG is not bound to any channel yet, so there is nowhere to post. Run "
        "/mentor group bind peds in its channel first.")
    bad = driver.run(em["kim"], "/mentor announce em-interest Hello ping:everyone")
    assert bad.error and "ping: must be one of here, channel" in bad.text
    typo = driver.run(em["kim"], "/mentor announce em-interest Hello pnig:here")
    assert typo.error and "Did you mean ping:?" in typo.text
    student = driver.run(em["ana"], "/mentor announce em-interest Hello")
    assert student.error and "is for group organizers" in student.text
    other = driver.run(em["lee"], "/mentor announce em-interest Hello")
    assert other.error and other.text == "Only organizers of EM Interest Group can do that."
    assert channel.posted == []


# --- admin scope -------------------------------------------------------------------------------


def test_admin_reaches_only_groups_bound_in_their_workspace() -> None:
    bindings = [("slack", "T1"), ("discord", "G1")]
    assert admin_reaches(bindings, "slack", "T1")
    assert admin_reaches(bindings, "discord", "G1")
    assert not admin_reaches(bindings, "slack", "T2")
    assert not admin_reaches(bindings, "discord", "T1")
    assert not admin_reaches([("slack", "")], "slack", "")
    assert not admin_reaches([], "slack", "T1")


def test_an_admin_of_the_groups_workspace_acts_as_its_organizer(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    with core.db.session() as s:
        admin = add_student(s, "Sam Admin").id
    core.router = Router([RecordingChannel()])
    for line in ("/mentor match group:em-interest dry-run",
                 "/mentor group rhythm em-interest 8",
                 "/mentor group settings em-interest digest:\"monday 10:00\"",
                 "/mentor announce em-interest Hello"):
        reply = driver.run(admin, line, channel=DM, is_admin=True)
        assert not reply.error, (line, reply.as_text())


OUT_OF_SCOPE_LINES = (
    "/mentor match group:em-interest",
    "/mentor match group:em-interest dry-run",
    "/mentor group rhythm em-interest 8",
    "/mentor group settings em-interest digest:off",
    "/mentor group settings em-interest",
    '/mentor group organizer em-interest "Sam Admin"',
    "/mentor group organizer em-interest Jordan Kim remove:yes",
    "/mentor announce em-interest Free pizza ping:channel",
    "/mentor group bind em-interest",
)


@pytest.mark.parametrize("where", [ELSEWHERE, ChannelRef("discord", "G9", "999")])
def test_an_admin_of_another_workspace_changes_nothing(core: Core, driver: Driver,
                                                       em: dict[str, int],
                                                       where: ChannelRef) -> None:
    with core.db.session() as s:
        add_student(s, "Sam Admin")
        sam = s.scalar(select(Person.id).where(Person.name == "Sam Admin"))
    channel = RecordingChannel()
    core.router = Router([channel])
    before = _snapshot(core)
    for line in OUT_OF_SCOPE_LINES:
        reply = driver.run(sam, line, channel=where, is_admin=True)
        assert reply.error and reply.title == "Not allowed", (line, reply.as_text())
        assert "Only organizers of EM Interest Group" in reply.text, line
    assert _snapshot(core) == before
    assert channel.posted == []


def test_every_organizer_command_refuses_an_admin_of_another_workspace(
        core: Core, driver: Driver, em: dict[str, int]) -> None:
    """Whatever organizer commands there are (their examples name em-interest), none lets a
    platform admin act for a group bound elsewhere."""
    with core.db.session() as s:
        sam = add_student(s, "Sam Admin").id
        add_student(s, "Jordan Lee")  # the examples' person
    core.router = Router([RecordingChannel()])
    organizer_specs = [spec for spec in core.registry.specs(include_hidden=True)
                       if spec.who == Audience.ORGANIZER]
    assert len(organizer_specs) >= 5
    before = _snapshot(core)
    for spec in organizer_specs:
        for example in spec.examples:
            if "em-interest" not in example:
                continue
            reply = driver.run(sam, example, channel=ELSEWHERE, is_admin=True)
            assert reply.error and reply.title in {"Not allowed", "Which group?"}, \
                (example, reply.as_text())
    assert _snapshot(core) == before


def test_an_admin_anywhere_creates_groups_only_in_a_channel(core: Core, driver: Driver,
                                                            em: dict[str, int]) -> None:
    with core.db.session() as s:
        sam = add_student(s, "Sam Admin").id
    in_dm = driver.run(sam, "/mentor group create new-ig name:New specialty:EM",
                       channel=ChannelRef("slack", "T2", "D9", is_dm=True), is_admin=True)
    assert in_dm.error and "in the channel the group will use" in in_dm.text
    console = driver.run(sam, "/mentor group create new-ig name:New specialty:EM",
                         is_admin=True)
    assert console.error and "is for group organizers" in console.text
    created = driver.run(sam, "/mentor group create new-ig name:New specialty:EM",
                         channel=ELSEWHERE, is_admin=True)
    assert not created.error, created.as_text()
    with core.db.session() as s:
        group = s.scalar(select(InterestGroup).where(InterestGroup.slug == "new-ig"))
        assert group is not None
        assert [(b.workspace, b.channel_id) for b in group.bindings] == [("T2", "C_X")]
        assert s.get_one(Person, sam).has_role("organizer", group.id)
