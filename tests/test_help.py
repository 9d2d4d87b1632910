"""Help matches the bot: every registered command is listed, buttons' commands included,
grouped by who uses it (students first, then faculty, then organizers); `/mentor group`
alone lists the group's commands; a mistyped option names the closest one and is never
taken as a search keyword."""

from __future__ import annotations

from bot.app.core import Core
from tests.support.factories import Driver, add_student


def test_help_lists_every_command_grouped_by_who_uses_it(core: Core, driver: Driver) -> None:
    with core.db.session() as s:
        ana = add_student(s, "Ana Lopez")
    for root in ("mentor", "letter", "residency"):
        text = driver.run(ana, f"/{root} help").as_text()
        for spec in core.registry.specs(root, include_hidden=True):
            assert spec.usage() in text, spec.usage()
        headings = [h for h in ("For students", "For faculty", "For organizers",
                                "For everyone") if h in text]
        assert headings == sorted(headings, key=text.index)
    text = driver.run(ana, "/mentor help").as_text()
    assert text.index("For students") < text.index("For faculty") < text.index("For organizers")


def test_group_alone_lists_its_commands(core: Core, driver: Driver) -> None:
    with core.db.session() as s:
        ana = add_student(s, "Ana Lopez")
    reply = driver.run(ana, "/mentor group")
    assert not reply.error
    text = reply.as_text()
    for spec in core.registry.family("mentor", "group"):
        assert spec.usage() in text
    assert "is not a command" not in text
    assert driver.run(ana, "/mentor help group").as_text() == text
    wrong = driver.run(ana, "/mentor group creat x").as_text()
    assert "Did you mean /mentor group create" in wrong
    assert "Did you mean /mentor group?" not in wrong


def test_a_mistyped_option_names_the_closest_one(core: Core, driver: Driver) -> None:
    with core.db.session() as s:
        ana = add_student(s, "Ana Lopez")
    reply = driver.run(ana, "/mentor find ultrasound limt:3")
    assert reply.error
    assert "has no option limt:" in reply.text and "Did you mean limit:?" in reply.text
    assert "Nothing matches" not in reply.text  # not searched as a keyword
