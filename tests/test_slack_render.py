"""Block Kit rendering: escaping, limits, splitting, buttons and pings."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

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


# --- the dicts are slack_sdk's own Block Kit -------------------------------------------------

_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                 max_size=400)
_actions = st.lists(st.builds(Action, label=_words, command=st.just("mentor list"),
                              args=st.fixed_dictionaries({}),
                              style=st.sampled_from([None, "primary", "danger", "other"])),
                    max_size=4)
_replies = st.builds(
    Reply, title=st.none() | _words, text=_words,
    fields=st.lists(st.builds(Field, name=_words, value=_words), max_size=12).map(tuple),
    sections=st.lists(st.builds(Section, heading=st.none() | _words, text=_words,
                                fields=st.lists(st.builds(Field, name=_words, value=_words),
                                                max_size=3).map(tuple),
                                actions=_actions.map(tuple)), max_size=4).map(tuple),
    actions=_actions.map(tuple), footer=st.none() | _words,
    ping=st.sampled_from([None, "here", "channel"]))


@settings(max_examples=60, deadline=None)
@given(reply=_replies, owner=st.none() | st.just("U0ANA"))
def test_every_block_is_what_slack_sdk_would_build(reply: Reply, owner: str | None) -> None:
    """Blocks are written as dicts for speed; each one parses into slack_sdk's model of its
    kind, passes its validation (the limits slack_sdk checks) and comes back unchanged."""
    for message in render(reply, owner=owner):
        for block in message.blocks:
            parsed = Block.parse(block)
            assert parsed is not None and parsed.type == block["type"]
            assert parsed.to_dict() == block  # to_dict validates
