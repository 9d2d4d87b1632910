"""One spec per nudge kind, and the kinds the database accepts are exactly those: the
catalog the program builds refuses a kind with no spec or two, and the live CHECK constraint
of `nudges.kind`, read back from a migrated database (SQLite's schema text, PostgreSQL's
pg_constraint), names every kind and no other. What each spec declares is held to what its
kind does: the buttons a message carries run the commands its spec says answer it, the
subject its planner stores is the subject its spec reads, and the policy and the report
read the spec rather than a list of their own."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from bot.app.commands import default_registry
from bot.app.nudges import NUDGE_SPECS, nudge_catalog
from bot.app.planning import plan_all
from bot.framework.replies import Reply
from bot.infra.db import Database
from bot.infra.models import Nudge
from bot.infra.settings import Settings
from bot.nudges import policy
from bot.nudges.kinds import NOTICE, Answers, Evidence, NudgeCatalog, SubjectSpec
from bot.vocab.nudges import NudgeKind
from tests.support.nudges import said
from tests.support.residency import with_cycle_date
from tests.support.world import RESIDENCY_CYCLE, RESIDENCY_DAY, RESIDENCY_EVENT, every_kind_due


def test_every_kind_has_exactly_one_spec() -> None:
    catalog = nudge_catalog()
    assert sorted(spec.kind for spec in NUDGE_SPECS) == sorted(NudgeKind)
    assert {spec.kind for spec in catalog} == set(NudgeKind)
    for kind in NudgeKind:
        assert catalog[kind].kind == kind
        assert catalog[kind].owner in {"mentoring", "matching", "letters", "residency",
                                         "nudges"}
        assert catalog[kind].summary


def test_a_catalog_refuses_a_missing_or_repeated_kind() -> None:
    without = [spec for spec in NUDGE_SPECS if spec.kind != NudgeKind.WRITER_DEADLINE]
    with pytest.raises(ValueError, match="nudge kinds without a spec: writer-deadline"):
        NudgeCatalog(without)
    with pytest.raises(ValueError, match="nudge kind notice has two specs"):
        NudgeCatalog([*NUDGE_SPECS, NOTICE])
    followup = nudge_catalog()[NudgeKind.FOLLOWUP]
    assert followup.subject is not None
    twice = SubjectSpec(followup.subject.type, followup.subject.load, "gone")
    with pytest.raises(ValueError, match="mentorship subjects are read two ways"):
        NudgeCatalog([replace(followup, subject=twice) if spec is followup else spec
                      for spec in NUDGE_SPECS])


def test_letter_states_answer_a_nudge_only_with_the_letter_moving() -> None:
    with pytest.raises(ValueError):
        Answers((), Evidence.LETTER_MOVED)
    with pytest.raises(ValueError):
        Answers((), Evidence.CONTACT, frozenset({"asked"}))


def _balanced(sql: str, start: int) -> str:
    """The parenthesised text opening at `sql[start]`."""
    depth = 0
    for i in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return sql[start:i + 1]
    raise AssertionError(f"unbalanced: {sql[start:]}")


def live_kind_check(database: Database) -> str:
    """The text of the `nudges.kind` CHECK constraint as the database holds it."""
    with database.session() as session:
        if database.dialect == "postgresql":
            found = session.scalar(text(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE t.relname = 'nudges' AND c.conname = 'ck_nudges_kind'"))
            assert found, "no ck_nudges_kind on nudges"
            return str(found)
        table = session.scalar(text(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'nudges'"))
    assert table, "no nudges table"
    at = table.index("ck_nudges_kind")
    return _balanced(table, table.index("(", at))


def test_the_live_check_constraint_names_every_kind_and_no_other(database: Database) -> None:
    check = live_kind_check(database)
    assert "kind" in check
    named = set(re.findall(r"'([^']+)'", check))
    assert named == {spec.kind.value for spec in nudge_catalog()}
    assert named == {kind.value for kind in NudgeKind}


def test_the_policy_reads_each_kinds_spec() -> None:
    catalog = nudge_catalog()
    for spec in catalog:
        assert policy.waits_for_daytime(spec) == spec.waits_for_daytime
        assert policy.is_reminder(spec) == (spec.snoozable or spec.dismissable)
        buttons = [a.command for a in policy.nudge_actions(7, spec)]
        assert buttons == (["mentor nudge snooze"] if spec.snoozable else []) + \
            (["mentor nudge dismiss"] if spec.dismissable else [])
    assert catalog.reminders == tuple(k for k in catalog.reminders if k != NudgeKind.NOTICE)
    assert not policy.waits_for_daytime(catalog[NudgeKind.NOTICE])
    assert NudgeKind.NOTICE not in catalog.snoozable + catalog.dismissable
    words = Reply(title="Hi")
    assert policy.reply_for(7, catalog[NudgeKind.NOTICE], words) is words


def test_the_report_measures_what_each_spec_says_answers_it() -> None:
    catalog = nudge_catalog()
    assert set(catalog.measured).isdisjoint({NudgeKind.INTRO_PENDING, NudgeKind.LETTER_OUTCOME,
                                             NudgeKind.STILL_MENTORING, NudgeKind.NOTICE})
    assert catalog.letter_moves[NudgeKind.LETTER_ASK] == {"asked"}
    assert catalog.letter_moves[NudgeKind.LETTER_THANKS] == {"thanked"}
    assert catalog.answered_by(Evidence.NEWS) == (NudgeKind.TRANSACTIONAL,)
    assert set(catalog.answered_by(Evidence.CONTACT)) == {NudgeKind.FOLLOWUP,
                                                          NudgeKind.KEEP_IN_TOUCH}


def test_every_answering_command_is_registered() -> None:
    registry = default_registry()
    names = {spec.name for spec in registry.specs(include_hidden=True)}
    for spec in nudge_catalog():
        for command in spec.answers.commands:
            assert command.name in names, (spec.kind, command.name)


def test_each_kind_planned_is_about_its_specs_subject_and_carries_its_buttons(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reminder kind, planned by its own planner from one small world: stored about
    the subject type its spec reads, and, worded at its due time, carrying buttons that run
    only the commands its spec says answer it (besides snooze and dismiss)."""
    with_cycle_date(monkeypatch, RESIDENCY_CYCLE, RESIDENCY_EVENT, RESIDENCY_DAY)
    catalog = nudge_catalog()
    at = every_kind_due(database)
    settings = Settings(default_timezone="UTC", _env_file=None)  # type: ignore[call-arg]
    with database.session() as session:
        plan_all(session, at, settings)
        rows = session.scalars(select(Nudge).where(Nudge.kind.in_(catalog.reminders))).all()
        assert {r.kind for r in rows} == set(catalog.reminders)
        for row in rows:
            spec = catalog[row.kind]
            assert spec.subject is not None and row.subject_type == spec.subject.type, row.kind
            words = said(session, row, at)
            assert isinstance(words, Reply), (row.kind, words)
            allowed = {c.name for c in spec.answers.commands}
            used = {a.command for a in words.actions} | \
                {a.command for s in words.sections for a in s.actions}
            assert used <= allowed, (row.kind, used - allowed)
