"""How group commands answer: the list of groups, a group's settings, bindings, organizers
and announcements. Wording only, from the rules' constants and plain values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.framework.channels import ChannelRef, ChannelTarget
from bot.framework.replies import Field, Ping, Reply, Section
from bot.framework.wording import count
from bot.groups.announcements import Outcome
from bot.groups.digest_rules import next_moment
from bot.groups.rules import DIGEST_EXAMPLE, DIGEST_OFF, WEEKDAYS
from bot.groups.store import GroupOverview
from bot.infra.models import InterestGroup
from bot.infra.zones import format_local

PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "console"}


def channel_label(platform: str, channel_id: str, here: ChannelRef | None = None) -> str:
    """A bound channel as people can find it: its platform and id ("this channel" when the
    command was typed there)."""
    shown = f"{PLATFORM_NAMES.get(platform, platform)} channel {channel_id}"
    if here is not None and (here.platform, here.channel_id) == (platform, channel_id):
        return f"{shown} (this channel)"
    return shown


def digest_rhythm(weekday: int, hour: int, tz: str, enabled: bool) -> str:
    if not enabled:
        return f"{DIGEST_OFF} (turn it on with digest:\"{DIGEST_EXAMPLE}\")"
    return f"{WEEKDAYS[weekday].capitalize()}s at {hour:02d}:00, {tz} time"


def next_digest(group: InterestGroup, now: datetime) -> str:
    if not group.digest_enabled:
        return "none while the digest is off"
    moment = next_moment(now, group.digest_weekday, group.digest_hour, group.timezone)
    bound = "" if group.bindings else " (bind a channel first: /mentor group bind " \
        f"{group.slug} in it)"
    return format_local(moment, group.timezone) + bound


# --- /mentor groups ----------------------------------------------------------------------


def groups_list(groups: Sequence[GroupOverview], here: ChannelRef | None) -> Reply:
    if not groups:
        return Reply(title="No groups yet",
                     text="An organizer or a workspace admin creates one in its channel: "
                          "/mentor group create SLUG name:\"…\" specialty:\"…\".")
    sections = []
    for g in groups:
        channels = [channel_label(c.platform, c.channel_id, here) for c in g.channels]
        sections.append(Section(heading=f"{g.name} ({g.slug})", fields=(
            Field("Specialty", g.specialty or "-"),
            Field("Members", str(g.members)),
            Field("Organizers", ", ".join(g.organizers) or "none"),
            Field("Channels", "; ".join(channels) or "not bound to a channel yet", False),
        )))
    return Reply(title=f"Interest groups ({len(groups)})",
                 text="Join one with /mentor join SLUG.", sections=tuple(sections))


# --- create, bind, settings --------------------------------------------------------------


def group_created(group: InterestGroup, bound: bool, warning: str | None = None) -> Reply:
    where = "this channel" if bound else "no channel yet (run /mentor group bind " \
        f"{group.slug} in the group's channel)"
    return Reply(
        title=f"Created {group.name} ({group.slug})",
        text=f"Bound to {where}. You are its organizer. Members join with "
             f"/mentor join {group.slug}. Its weekly digest: "
             f"{digest_rhythm(group.digest_weekday, group.digest_hour, group.timezone, True)}"
             f" (change it with /mentor group settings {group.slug})."
             + (f"\nNote: {warning}" if warning else ""),
        ephemeral=False,
    )


def group_bound(group: InterestGroup, new: bool) -> Reply:
    if not new:
        return Reply(title=f"This channel is already bound to {group.name}.")
    return Reply(
        title=f"This channel is now bound to {group.name} ({group.slug})",
        text="Its weekly digest and organizers' announcements are posted here, and anyone "
             "who joins this channel becomes a member of the group. Members join with "
             f"/mentor join {group.slug}.",
        ephemeral=False,
    )


def group_settings(group: InterestGroup, now: datetime, *, changed: bool,
                   here: ChannelRef | None) -> Reply:
    channels = [channel_label(b.platform, b.channel_id, here) for b in group.bindings]
    fields = (
        Field("Name", group.name),
        Field("Short name", group.slug),
        Field("Specialty", group.specialty or "-"),
        Field("Time zone", group.timezone),
        Field("Weekly digest", digest_rhythm(group.digest_weekday, group.digest_hour,
                                             group.timezone, group.digest_enabled), False),
        Field("Next digest", next_digest(group, now), False),
        Field("Channels", "; ".join(channels) or "none", False),
    )
    title = f"Settings of {group.name} updated" if changed else f"Settings of {group.name}"
    hint = "" if changed else (f"Change them with /mentor group settings {group.slug} "
                               f"[name:] [tz:] [digest:\"{DIGEST_EXAMPLE}\" or "
                               f"digest:{DIGEST_OFF}].")
    return Reply(title=title, text=hint, fields=fields)


# --- organizers --------------------------------------------------------------------------


def organizer_added(name: str, group: InterestGroup, added: bool) -> Reply:
    if not added:
        return Reply(title=f"{name} already organizes {group.name}.")
    return Reply(title=f"{name} is now an organizer of {group.name}.")


def organizer_removed(name: str, group: InterestGroup, left: Sequence[str]) -> Reply:
    return Reply(title=f"{name} no longer organizes {group.name}.",
                 text=f"Organizers of {group.name} now: {', '.join(left)}.")


# --- announcements -------------------------------------------------------------------------


def announcement(group_name: str, text: str, author: str, ping: Ping | None) -> Reply:
    """What the group's channels see. Only this reply may carry `ping`, and only when the
    organizer asked for one."""
    return Reply(title=f"Announcement from {group_name}", text=text,
                 footer=f"Posted by {author}, organizer", ephemeral=False, ping=ping)


def not_bound(group: InterestGroup) -> str:
    return (f"{group.name} is not bound to any channel yet, so there is nowhere to post. "
            f"Run /mentor group bind {group.slug} in its channel first.")


def announced(group: InterestGroup, outcomes: Sequence[Outcome], ping: Ping | None,
              here: ChannelRef | None) -> Reply:
    posted = [o for o in outcomes if o.posted]
    failed = [o for o in outcomes if not o.posted]
    lines = [f"• {_target_label(o.target, here)}" for o in posted]
    sections = []
    if failed:
        sections.append(Section(heading="Not posted", text="\n".join(
            f"• {_target_label(o.target, here)}: {o.error}" for o in failed)))
    pinged = f", notifying @{ping}" if ping and posted else ""
    title = (f"Announced in {count(len(posted), 'channel', 'channels')}{pinged}"
             if posted else "The announcement was not posted")
    return Reply(title=title, text="\n".join(lines), sections=tuple(sections),
                 error=not posted)


def _target_label(target: ChannelTarget, here: ChannelRef | None) -> str:
    return channel_label(target.platform, target.channel_id, here)
