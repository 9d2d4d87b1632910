"""Delivery policy: when nudges fall, how long a worker's claim holds, how failed sends back
off, how fresh the state a message is worded from must be, and the buttons a reminder
carries. Rules of the product, in one place, used by planners, the store and the sweep
alike. What differs by kind (whether it waits out quiet hours, may be snoozed or dismissed)
is the kind's `NudgeSpec` (`bot.nudges.kinds`), which these functions read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.framework.replies import Action, Reply
from bot.infra.zones import local_day, local_time_utc, zone
from bot.nudges import messages, specs
from bot.nudges.kinds import NudgeSpec
from bot.nudges.quiet_hours import next_allowed
from bot.vocab.nudges import NudgeState

NUDGE_HOUR = time(10, 0)
"""The local wall-clock time at which a nudge owed on a given day falls: mid-morning, well
clear of any quiet hours, so it lands while the person can act on it."""

MORNING = timedelta(hours=2)
"""How long after the nudge hour a wave may be spread (`spread_wave`): the person's
morning, 10:00 to 12:00, still well clear of quiet hours."""

WAVE = timedelta(minutes=1)
"""A wave the send budget gets out within this long is left at its instant: only a larger
one is spread."""

LEASE = timedelta(minutes=5)
"""How long a worker's claim (on a nudge, or on a week's digest post) holds: longer than any
batch takes, short enough that a dead worker's claims are soon taken over. A worker still
busy renews it on a timer, and each row again just before its send."""

RENEW_EVERY = 1 / 3
"""Share of the lease after which a running batch renews its claim on the rows it has not
sent yet: two renewals can fail before anyone else may take them."""

BATCH_SPAN = 1 / 2
"""Share of the lease within which a batch may wait: a `Retry-After` is waited out inline
only if it ends before this much of the lease has passed since the claim (later, the nudge
is rescheduled), and one person gets no more messages a batch than their channel's pace
fits in it. So waiting never carries a batch past its lease, renewals aside."""

MAX_ATTEMPTS = 8
"""Failed sends before a nudge is marked failed (rate-limit answers do not count)."""
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)

MAX_INLINE_WAIT = 5.0
"""A `Retry-After` up to this many seconds is waited out inside the sweep (if the batch's
span allows it); a longer one reschedules the nudge."""

UNREACHABLE_RECHECK = timedelta(hours=6)
"""How often a nudge waiting for its person's account looks them up again (Slack by email);
an account linked meanwhile (a first command, an import, a link) wakes it at once."""

FRESH_FOR = timedelta(seconds=30)
"""A message is worded from its subject's state as read for its batch, at most this long
before it is sent; a send that comes later (a slow channel, a rate limit waited out) reads
its subject again first."""

SNOOZE = timedelta(weeks=1)
"""How far "Snooze" moves a reminder (SPEC: "snooze a week")."""

SNOOZABLE = (NudgeState.PENDING, NudgeState.SENT, NudgeState.FAILED, NudgeState.UNREACHABLE)
"""A reminder can be snoozed unless its recipient dismissed it or a change made it moot."""


def nudge_at(day: date, tz: str | None) -> datetime:
    """The UTC instant of the nudge hour on `day` in `tz` (DST-correct)."""
    return local_time_utc(day, NUDGE_HOUR, tz)


def spread_wave(due: datetime, people: Sequence[int], rate: float) -> dict[int, datetime]:
    """When each of a wave of `people` whose nudges all fall at `due` (everyone's nudge hour
    in one zone) is due instead: spread evenly after `due`, at about the pace a send budget
    of `rate` messages a second sends them, and over `MORNING` at most (a wave too large
    for that goes faster than the budget, and waits its turn at the send). A wave the budget
    sends within `WAVE` stays at `due`. Each person keeps one instant (their messages go
    together), in an order mixed by id, so the same people are not always first."""
    span = min(len(people) / rate, MORNING.total_seconds()) if rate > 0 else 0.0
    if span < WAVE.total_seconds():
        return {person: due for person in people}
    step = span / len(people)
    order = sorted(set(people), key=lambda person: (person * 2654435761) % 2**32)
    return {person: due + timedelta(seconds=int(index * step))
            for index, person in enumerate(order)}


def snooze_until(now: datetime, tz: str | None, quiet_hours: str | None) -> datetime:
    """Where a reminder snoozed at `now` comes back: a week later, in the person's daytime.
    Before the nudge hour of that local day it waits for the nudge hour (unless the person
    is quiet then); inside their quiet hours, for the window's end. A snooze pressed at
    04:57 comes back at 10:00, one pressed at 22:30 when the night's quiet hours end.

    Never inside quiet hours, at most a day after the week."""
    back = now + SNOOZE
    morning = nudge_at(local_day(back, tz), tz)
    where = zone(tz)
    if back < morning and next_allowed(morning, where, quiet_hours) == morning:
        return morning
    return next_allowed(back, where, quiet_hours)


def is_reminder(spec: NudgeSpec[Any]) -> bool:
    """A reminder carries snooze or dismiss, and its recipient may use them; a notice (a
    direct answer to something just done) carries neither."""
    return spec.is_reminder


def waits_for_daytime(spec: NudgeSpec[Any]) -> bool:
    """A direct answer to something just done goes out at once; a reminder waits for the end
    of the person's quiet hours (as its spec says)."""
    return spec.waits_for_daytime


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed send: 1, 2, 4 … minutes, capped."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def nudge_actions(nudge_id: int, spec: NudgeSpec[Any]) -> tuple[Action, ...]:
    """The buttons a reminder carries besides its own: snooze and dismiss, as its spec
    allows."""
    args = {"id": nudge_id}
    actions: tuple[Action, ...] = ()
    if spec.snoozable:
        actions += (specs.NUDGE_SNOOZE.action(messages.snooze_label(SNOOZE), args),)
    if spec.dismissable:
        actions += (specs.NUDGE_DISMISS.action(messages.NOT_RELEVANT, args, style="danger"),)
    return actions


def reply_for(nudge_id: int, spec: NudgeSpec[Any], words: Reply) -> Reply:
    """The message as delivered: its words (built at send time), plus the spec's snooze and
    dismiss buttons."""
    extra = nudge_actions(nudge_id, spec)
    return replace(words, actions=words.actions + extra) if extra else words


# --- direct messages a person's settings refuse ----------------------------------------------
#
# One policy for every platform. When a platform refuses a direct message because of the
# recipient's side (Discord: they accept no DMs from server members; Slack: a DM with them
# cannot be opened), their account is marked refused from that moment (a later refusal
# keeps the first time). Whether the message itself is tried again is the send's own
# answer: retried with backoff, unless the platform says no retry can help. A DM that goes
# through clears the mark. So does the person's next command, which tells them once,
# privately, and tries what waits for them at once: they may have changed their settings.
# Adapters only say what the platform answered (`CorePort.dm_refused`, `dm_delivered`) and
# show the notice (`take_dm_refusal`); the core applies the rules below.


def refusal_mark(current: datetime | None, *, refused: bool, now: datetime
                 ) -> datetime | None:
    """An account's refused mark after a direct message to it was refused (`refused`) or
    went through, at `now`."""
    if refused:
        return current or now
    return None


def tell_of_refusal(mark: datetime | None) -> bool:
    """Whether the person's command is answered with the refused notice (the mark is
    cleared as it is told, and what waits for them is tried again)."""
    return mark is not None
