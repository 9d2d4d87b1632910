"""Who is behind a platform account (`bot.people.identities`, which `Core.identify` hands
over to), and the platform events the core reacts to: an event seen twice is handled once
(`bot.infra.events`), and joining a group's channel joins the group (`bot.groups.store`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app.core import Core
from bot.groups import store as groups
from bot.infra.events import first_time
from bot.infra.models import ChannelBinding, Identity, Membership, Person
from bot.people import identities
from bot.people.identities import PlatformUser
from tests.support.factories import add_faculty, add_group, add_student


def identities_of(core: Core, person_id: int) -> set[tuple[str, str, str]]:
    with core.db.session() as s:
        return {(i.platform, i.workspace, i.external_id) for i in s.scalars(
            select(Identity).where(Identity.person_id == person_id))}


def test_a_new_account_becomes_a_student_created_now(core: Core) -> None:
    user = PlatformUser("slack", "U0NEW0001", workspace="T1", name="Ana Diaz",
                        email="Ana.Diaz@Example.edu", timezone="America/Chicago")
    person_id = core.identify(user)
    with core.db.session() as s:
        ana = s.get_one(Person, person_id)
        assert (ana.name, ana.email, ana.timezone) == ("Ana Diaz", "ana.diaz@example.edu",
                                                       "America/Chicago")
        assert ana.is_student and not ana.is_faculty
        assert ana.created_at == core.clock.now()
    assert identities_of(core, person_id) == {("slack", "T1", "U0NEW0001")}
    assert core.identify(user) == person_id  # the account is known from now on


def test_a_roster_entry_is_joined_by_email_and_keeps_its_profile(core: Core) -> None:
    with core.db.session() as s:
        rivera = add_faculty(s, "Dr. Maria Rivera", email="maria.rivera@example.edu",
                             tz="America/New_York")
    user = PlatformUser("discord", "200000000000000001", workspace="G1", name="maria",
                        email="MARIA.RIVERA@example.edu", timezone="Europe/Paris")
    assert core.identify(user) == rivera.id
    assert identities_of(core, rivera.id) == {("discord", "G1", "200000000000000001")}
    with core.db.session() as s:
        again = s.get_one(Person, rivera.id)
        assert again.name == "Dr. Maria Rivera" and again.is_faculty
        assert again.timezone == "America/New_York"  # a zone set before is kept


def test_the_first_request_teaches_a_roster_identity_its_workspace(core: Core) -> None:
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        s.add(Identity(person_id=ana.id, platform="slack", workspace="", external_id="U0ANA"))
    assert core.identify(PlatformUser("slack", "U0ANA", workspace="T9", name="ana",
                                      timezone="America/Denver")) == ana.id
    assert identities_of(core, ana.id) == {("slack", "T9", "U0ANA")}
    with core.db.session() as s:
        assert s.get_one(Person, ana.id).timezone == "America/Denver"  # none was set


def test_two_first_requests_at_once_make_one_person(core: Core,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The other request creates the account between our look-up and our insert: the
    unique identity refuses ours, and looking again finds theirs."""
    user = PlatformUser("slack", "U0RACE", workspace="T1", name="Racer")
    real_lookup = identities.find_by_identity
    raced: list[int] = []
    calls = 0

    def lookup_while_another_request_creates_it(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 1:
            with core.db.session() as other:  # its own look-up (call 2) finds nothing
                raced.append(identities.person_for(other, user, now=core.clock.now()).id)
            return None
        return real_lookup(*args, **kwargs)

    monkeypatch.setattr(identities, "find_by_identity", lookup_while_another_request_creates_it)
    assert identities.identify(core.db, user, now=core.clock.now()) == raced[0]
    assert calls == 3  # ours, theirs, and ours again after the refused insert
    with core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1


def test_an_event_is_handled_once(core: Core) -> None:
    now = core.clock.now()
    with core.db.session() as s:
        assert first_time(s, "slack", "Ev1", now)
        assert not first_time(s, "slack", "Ev1", now + timedelta(seconds=3))
        assert first_time(s, "discord", "Ev1", now)  # another platform's ids are its own


def test_joining_a_bound_channel_joins_the_group_once(core: Core) -> None:
    now = core.clock.now()
    with core.db.session() as s:
        ana = add_student(s, "Ana Diaz")
        peds = add_group(s, "peds", name="Pediatrics IG")
        s.add(ChannelBinding(group_id=peds.id, platform="slack", workspace="T1",
                             channel_id="C0PEDS"))
        # A binding stored without a workspace matches any (as a roster identity does).
        em = add_group(s, "em")
        s.add(ChannelBinding(group_id=em.id, platform="slack", workspace="",
                             channel_id="C0EM"))
        s.flush()
        assert groups.joined_channel(s, ana, "slack", "T1", "C0PEDS", now) is peds
        assert groups.joined_channel(s, ana, "slack", "T1", "C0PEDS", now) is None  # already
        assert groups.joined_channel(s, ana, "slack", "T2", "C0PEDS", now) is None  # elsewhere
        assert groups.joined_channel(s, ana, "slack", "T1", "C0OTHER", now) is None
        assert groups.joined_channel(s, ana, "slack", "T1", "C0EM", now) is em
        joined = s.scalars(select(Membership).where(Membership.person_id == ana.id)).all()
        assert sorted((m.group_id, m.joined_at) for m in joined) == sorted(
            [(peds.id, now), (em.id, now)])
