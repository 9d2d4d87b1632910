"""`mentorbot shell` on a database that Slack or Discord also serves: the console prints the
direct messages its own commands caused for people with no chat account, and leaves every
other message (a faculty member on Slack, what another process queued) pending for the
platforms' workers, untouched."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from adapters.console import Shell
from bot.app.core import Core
from bot.framework.replies import Reply
from bot.infra.clock import FixedClock
from bot.infra.models import Identity, Nudge
from bot.nudges.store import queue_notice
from bot.vocab.nudges import NudgeState
from tests.support.factories import add_faculty, add_student


def _world(core: Core) -> dict[str, int]:
    with core.db.session() as session:
        ana = add_student(session, "Ana Lopez", email="ana@example.edu")
        rivera = add_faculty(session, "Dr. Maria Rivera", email="rivera@example.edu")
        rivera.identities.append(Identity(platform="slack", workspace="T1",
                                          external_id="U0RIVERA"))
        chen = add_faculty(session, "Dr. Wen Chen", email="chen@example.edu")
        session.flush()
        return {"ana": ana.id, "rivera": rivera.id, "chen": chen.id}


def _nudges(core: Core) -> dict[str, tuple[int, str, str | None]]:
    with core.db.session() as session:
        return {n.dedup_key: (n.person_id, n.state, n.claimed_by)
                for n in session.scalars(select(Nudge))}


def test_the_shell_leaves_a_slack_faculty_members_intro_request_to_the_workers(
        core: Core, clock: FixedClock) -> None:
    ids = _world(core)
    # Queued a minute ago by a Slack worker's command: Rivera's and Chen's messages.
    with core.db.session() as session:
        for person in ("rivera", "chen"):
            queue_notice(session, ids[person], Reply(title=f"earlier, for {person}"),
                         key=f"worker:{person}", now=clock.now() - timedelta(minutes=1))
    out = io.StringIO()
    lines = ["/mentor request Dr. Maria Rivera", "/mentor request Dr. Wen Chen"]
    shell = Shell(core, ids["ana"], "Ana Lopez <ana@example.edu>",
                  stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    assert shell.run() == 0
    printed = out.getvalue()

    # Chen has no chat account: his intro request is printed, and marked sent
    assert "--- direct message to Dr. Wen Chen <chen@example.edu> ---" in printed
    assert "Ana Lopez would like you as a career mentor." in \
        printed.split("--- direct message to Dr. Wen Chen")[1]
    # Rivera is on Slack: not printed, and the shell says where it waits
    assert "--- direct message to Dr. Maria Rivera" not in printed
    assert ("(A direct message to Dr. Maria Rivera <rivera@example.edu> waits for their "
            "Slack or Discord account.)") in printed
    nudges = _nudges(core)
    theirs = {key: row for key, row in nudges.items() if row[0] == ids["rivera"]}
    assert len(theirs) == 2
    assert all(state == NudgeState.PENDING and holder is None
               for _, state, holder in theirs.values())  # untouched, for the Slack worker
    # what another process queued for Chen is not the shell's either
    assert nudges["notice:worker:chen"] == (ids["chen"], NudgeState.PENDING, None)
    assert "earlier, for" not in printed
    chens = [row for key, row in nudges.items()
             if row[0] == ids["chen"] and key != "notice:worker:chen"]
    assert [state for _, state, _ in chens] == [NudgeState.SENT]


def test_a_failed_command_delivers_nothing(core: Core, clock: FixedClock) -> None:
    ids = _world(core)
    with core.db.session() as session:
        queue_notice(session, ids["chen"], Reply(title="queued by a command that failed"),
                     key="other", now=clock.now())
    out = io.StringIO()
    shell = Shell(core, ids["ana"], "Ana", stdin=io.StringIO("/mentor request Nobody\n"),
                  stdout=out)
    assert shell.run() == 0
    assert "direct message" not in out.getvalue()
    assert _nudges(core)["notice:other"][1] == NudgeState.PENDING
