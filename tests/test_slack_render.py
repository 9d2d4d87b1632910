"""Block Kit rendering: escaping, limits, splitting, buttons and pings."""

from __future__ import annotations

import json

from adapters.slack.render import MAX_BLOCKS, escape, home_view, render
from bot.framework.replies import Action, Field, Reply, Section


def _dump(reply: Reply) -> str:
    return json.dumps([m.__dict__ for m in render(reply)])


def test_user_text_is_escaped_everywhere() -> None:
    evil = "<!channel> <@U123> <https://evil.example|click> & <!here>"
    reply = Reply(title=evil, text=evil, fields=(Field(evil, evil),),
                  sections=(Section(heading=evil, text=evil),), footer=evil)
    dumped = _dump(reply)
    for markup in ("<!channel>", "<@U123>", "<https://", "<!here>"):
        assert markup not in dumped
    assert "&lt;!channel&gt;" in dumped
    assert escape("a & <b>") == "a &amp; &lt;b&gt;"


def test_ping_only_when_reply_asks_for_it() -> None:
    (message,) = render(Reply(text="Match round opens Monday", ping="channel", ephemeral=False))
    assert message.text.startswith("<!channel>")
    assert any(b.get("text", {}).get("text") == "<!channel>" for b in message.blocks)


def test_long_lists_split_within_limits() -> None:
    sections = tuple(
        Section(heading=f"Dr. Person {i}", text="x" * 500,
                actions=(Action("Request intro", "mentor request", {"faculty": f"person:{i}"}),))
        for i in range(60)
    )
    messages = render(Reply(title="Shortlist", text="y" * 7000, sections=sections))
    assert len(messages) > 1
    for message in messages:
        assert 0 < len(message.blocks) <= MAX_BLOCKS
        for block in message.blocks:
            if "text" in block and block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
        # a button row always follows its section
        assert message.blocks[0]["type"] != "actions"
    buttons = [e for m in messages for b in m.blocks if b["type"] == "actions"
               for e in b["elements"]]
    assert len(buttons) == 60
    assert buttons[0]["value"] == "mb|mentor.request|faculty=person:0"


def test_many_fields_are_grouped_by_ten() -> None:
    fields = tuple(Field(f"f{i}", "v") for i in range(23))
    (message,) = render(Reply(fields=fields))
    assert [len(b["fields"]) for b in message.blocks] == [10, 10, 3]


def test_home_view_caps_at_100_blocks() -> None:
    sections = tuple(Section(heading=f"h{i}", text="t") for i in range(150))
    view = home_view(Reply(title="Home", sections=sections)).to_dict()
    assert view["type"] == "home"
    assert len(view["blocks"]) == 100
