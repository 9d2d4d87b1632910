"""`Reply.to_dict` is hand-written for speed: it must keep `dataclasses.asdict`'s shape and
round-trip through `Reply.from_dict`."""

from __future__ import annotations

from dataclasses import asdict

from bot.framework.replies import Action, Attachment, Field, Reply, Section


def test_to_dict_matches_asdict_and_round_trips():
    reply = Reply(
        title="Time to check in", text="body", footer="foot", ephemeral=False, ping=None,
        fields=(Field("Kind", "career"), Field("Since", "Mon", inline=False)),
        sections=(Section(heading="h", text="t", fields=(Field("a", "b"),),
                          actions=(Action("Log", "mentor log", {"mentor": "person:1"}),)),
                  Section()),
        actions=(Action("Mark done", "mentor done", {"id": "3"}, "primary"),),
        attachment=Attachment("x.ics", b"data"),
    )
    expected = asdict(reply)
    expected.pop("attachment")
    assert reply.to_dict() == expected
    again = Reply.from_dict(reply.to_dict())
    assert again == Reply(**{**reply.__dict__, "attachment": None})
    assert Reply().to_dict() == {k: v for k, v in asdict(Reply()).items() if k != "attachment"}
