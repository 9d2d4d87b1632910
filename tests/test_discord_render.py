"""Reply → Discord messages: embed limits, splitting, escaping, buttons and mentions."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    ACTION_TEMPLATE,
    NO_PINGS,
    check_limits,
    escape,
    render,
    split_text,
)
from bot.framework.replies import Action, Attachment, Field, Reply, Section
from tests.support.properties import examples


def _all_text(messages: list) -> str:  # type: ignore[type-arg]
    parts = []
    for message in messages:
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name}\n{f.value}" for f in embed.fields]
            parts.append(embed.footer.text or "")
    return "\n".join(parts)


def test_an_oversized_reply_is_split_within_every_limit() -> None:
    paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40
    reply = Reply(
        title="T" * 400,
        text="\n\n".join(f"{i} {paragraph}" for i in range(6)),  # ~14,000 characters
        fields=tuple(Field(f"field {i}", f"value {i} " * 300) for i in range(40)),
        sections=tuple(Section(heading=f"Section {i} " + "h" * 300, text=paragraph,
                               fields=(Field("Kind", "research"),)) for i in range(30)),
        footer="F" * 3000,
    )
    messages = render(reply)
    assert len(messages) > 1
    for message in messages:
        assert check_limits(message) == []
        assert message.allowed_mentions is NO_PINGS
        assert len(message.embeds) <= 10 and sum(len(e) for e in message.embeds) <= 6000
    text = _all_text(messages)
    # Nothing but the title and footer (truncated by design) is lost in the split.
    for i in range(6):
        assert f"{i} Lorem" in text
    assert text.count("consectetur") == 6 * 40 + 30 * 40
    assert all(f"value {i}" in text for i in range(40))
    assert messages[0].embeds[0].title is not None and len(messages[0].embeds[0].title) <= 256


@settings(max_examples=examples(60), deadline=None)
@given(st.text(min_size=0, max_size=9000), st.integers(min_value=20, max_value=4096))
def test_split_text_keeps_every_word_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    # Only whitespace at the cuts is dropped; every other character stays, in order.
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_markup_and_mentions_are_shown_not_interpreted() -> None:
    hostile = "**bold** _it_ `code` @everyone @here <@123456789012345678> <@&987654321098765432>"
    (message,) = render(Reply(title="@everyone look", text=hostile,
                              fields=(Field("<@&987654321098765432>", "@here"),)))
    embed = message.embeds[0]
    assert "@everyone" not in (embed.title or "") + (embed.description or "")
    assert "@\u200beveryone" in embed.description and "\\*\\*bold\\*\\*" in embed.description
    assert "<@\u200b123456789012345678>" in embed.description
    assert "<@&987654321098765432>" not in embed.description
    assert embed.fields[0].value == escape("@here") and "@here" not in embed.fields[0].value
    assert message.content is None
    assert message.allowed_mentions.everyone is False and message.allowed_mentions.roles is False


def test_only_an_announcement_with_ping_may_mention_everyone() -> None:
    (plain,) = render(Reply(title="Digest", text="@everyone is welcome"))
    assert plain.allowed_mentions == NO_PINGS and plain.content is None
    (announce,) = render(Reply(title="Match round open", ping="here"))
    assert announce.content == "@here"
    assert announce.allowed_mentions.everyone is True
    assert announce.allowed_mentions.roles is False and announce.allowed_mentions.users is False


def test_buttons_are_unique_persistent_and_overflow_to_another_message() -> None:
    sections = tuple(
        Section(heading=f"Dr. Person {i}",
                actions=(Action("Request intro", "mentor request", {"faculty": f"person:{i}"}),))
        for i in range(30))
    reply = Reply(title="Shortlist", sections=sections,
                  actions=(Action("Snooze a week", "mentor snooze", {"id": "7"}),
                           Action("Snooze a week", "mentor snooze", {"id": "7"})))
    messages = render(reply)
    views = [m.view for m in messages if m.view is not None]
    items = [i for v in views for i in v.children]
    ids = [i.custom_id for i in items]  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids)) == 31  # the duplicate is sent once
    assert all(ACTION_TEMPLATE.fullmatch(i) for i in ids)
    assert all(len(v.children) <= 25 for v in views) and len(views) == 2
    assert all(v.timeout is None for v in views)
    labels = [i.item.label for i in items]
    assert "Request intro: Dr. Person 3" in labels  # same label → which one is said
    assert all(len(label) <= 80 for label in labels)
    assert items[0].item.style is discord.ButtonStyle.secondary
    components = views[0].to_components()
    assert components[0]["components"][0]["custom_id"] == ids[0]


def test_attachment_and_empty_reply() -> None:
    (message,) = render(Reply(title="Your calendar",
                              attachment=Attachment("letters.ics", b"BEGIN:VCALENDAR",
                                                    "text/calendar")))
    assert message.file is not None and message.file.filename == "letters.ics"
    (empty,) = render(Reply())
    assert empty.content and not empty.embeds
