"""Privacy of the report: every format it comes in (text, JSON, CSV, Slack blocks, Discord
embeds, the organizer's App Home) and the group's weekly digest, rendered for a group whose
students have letters, never put a student's name next to a letter, a program or a
deadline, never show a program at all, and never show a meeting's rating to the mentor."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from adapters.discord.render import render as discord_render
from adapters.slack.home import home_for
from adapters.slack.render import render as slack_render
from bot.app.core import Core
from bot.framework.replies import Reply
from bot.infra.models import InterestGroup, Letter, Person, Role
from bot.infra.zones import format_day
from bot.reports import export, messages, store
from bot.reports.digest import build as build_digest
from tests.support.factories import Driver
from tests.support.report_data import NOW, PROGRAMS, STUDENT_NAMES, ReportData, build


@pytest.fixture
def data(core: Core) -> ReportData:
    core.clock.set(NOW)  # type: ignore[attr-defined]
    with core.db.session() as session:
        built = build(session)
        # The mentor rated by students also organizes the group, so sees its report.
        session.add(Role(person_id=built.people["F1"], role="organizer",
                         group_id=built.group_id))
    return built


def deadline_texts(day: date) -> set[str]:
    return {day.isoformat(), format_day(day), f"{day:%d %b}", f"{day:%b %d}",
            f"{day:%B} {day.day}", f"{day.day} {day:%B}", f"{day.month}/{day.day}"}


def private_facts(core: Core, data: ReportData) -> dict[str, set[str]]:
    """Per student of the group with letters: what must never stand next to their name."""
    facts: dict[str, set[str]] = {}
    with core.db.session() as session:
        for letter in session.query(Letter):
            student = session.get_one(Person, letter.student_id)
            words = facts.setdefault(student.name, {"letter"})
            words.add(letter.program.lower())
            words.update(text.lower() for text in deadline_texts(letter.deadline))
    return facts


def units_of_reply(reply: Reply) -> Iterator[str]:
    """A reply as a reader meets it, piece by piece: the plain text's paragraphs, each Slack
    block, each Discord embed's description and fields."""
    yield from reply.as_text().split("\n\n")
    for message in slack_render(reply):
        for block in message.blocks:
            yield json.dumps(block, ensure_ascii=False)
    for message in discord_render(reply):
        for embed in message.embeds:
            data = embed.to_dict()
            yield str(data.get("title", "")) + "\n" + str(data.get("description", ""))
            for item in data.get("fields", []):
                yield f"{item['name']}\n{item['value']}"


def units_of_json(document: Any) -> Iterator[str]:
    """Each object of the JSON document, and each list as a whole."""
    if isinstance(document, dict):
        yield json.dumps({k: v for k, v in document.items()
                          if not isinstance(v, (dict, list))}, ensure_ascii=False)
        for value in document.values():
            yield from units_of_json(value)
    elif isinstance(document, list):
        yield json.dumps([v for v in document if not isinstance(v, (dict, list))],
                         ensure_ascii=False)
        for value in document:
            yield from units_of_json(value)


def units_of_csv(text: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(text)):
        yield ",".join(row)


def leaks(units: Iterator[str], facts: dict[str, set[str]]) -> list[str]:
    found = []
    for unit in units:
        lowered = unit.lower()
        for name, words in facts.items():
            if name.lower() in lowered:
                near = sorted(word for word in words if word in lowered)
                if near:
                    found.append(f"{name} next to {near}: {unit[:200]!r}")
        found += [f"a program: {unit[:200]!r}" for program in PROGRAMS.values()
                  if program.lower() in lowered]
    return found


def every_format(core: Core, data: ReportData) -> Iterator[str]:
    driver = Driver(core)
    reply = driver.run(data.organizer_id, "/mentor report group:em")
    assert not reply.error, reply.as_text()
    assert "Fay Nguyen" in reply.as_text()  # the organizers do see who waits for a mentor
    yield from units_of_reply(reply)
    with core.db.session() as session:
        group = session.get_one(InterestGroup, data.group_id)
        report = store.report(session, group, NOW, core.nudge_catalog)
        yield from units_of_reply(build_digest(session, group, NOW))
    yield from units_of_json(export.as_json(report))
    yield from units_of_csv(export.as_csv(report))
    yield messages.chart_alt_text(report)
    view = home_for(core, data.organizer_id, "U0ORG")
    for block in view.to_dict()["blocks"]:
        yield json.dumps(block, ensure_ascii=False)


def test_no_format_puts_a_student_next_to_a_letter(core: Core, data: ReportData) -> None:
    facts = private_facts(core, data)
    # The check itself catches what it should: a name beside a program or a deadline.
    assert leaks(iter(["• Ana Lima: Boston EM Residency"]), facts)
    assert leaks(iter(["Ana Lima, due 20 Jan"]), facts)
    assert leaks(iter(["Ana Lima's letter"]), facts)
    assert set(facts) >= {STUDENT_NAMES[k] for k in ("S1", "S2", "S3", "S4", "S5", "S6")}
    units = list(every_format(core, data))
    assert len(units) > 100
    assert leaks(iter(units), facts) == []


def test_a_mentor_never_sees_a_rating(core: Core, data: ReportData) -> None:
    """Dr. Ann Reyes was rated 4 and 2 by her mentees. As an organizer she sees the group's
    report, and as a mentor her list and her Home: none shows a rating, nor a mean that
    could be hers (only two mentors were rated)."""
    driver = Driver(core)
    mentor = data.people["F1"]
    report = driver.run(mentor, "/mentor report group:em")
    assert not report.error, report.as_text()
    seen = [*units_of_reply(report), *units_of_reply(driver.run(mentor, "/mentor list")),
            *(json.dumps(block) for block in home_for(core, mentor, "U0F1").to_dict()["blocks"])]
    text = "\n".join(seen)
    assert "Mean rating: withheld until meetings with at least 3 mentors are rated" in text
    for shown in ("4.0", "2.0", "3.0", "3.5", "rating:4", "rating:2", "rated 4", "rated 2",
                  "4 of 4", "2 of 4", "4/4", "2/4", "useful"):
        assert shown not in text
    lines = [line for line in text.splitlines() if "rating" in line.lower()]
    assert all("never shown to the mentor" in line or "withheld" in line or
               line.startswith(("Meetings rated: 3", "  How: The mean of those ratings"))
               for line in lines), lines
