"""Command specs of groups: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command
from bot.groups.rules import DIGEST_EXAMPLE, DIGEST_OFF

PINGS = ("here", "channel")
"""What `/mentor announce ping:` may ask for: Slack's @here and @channel (Discord: @here and
@everyone). Nothing else the bot posts ever pings."""

GROUP_OPTION = Option("group", positional=True, required=True, placeholder="GROUP",
                description="the group's short name, e.g. em-interest")

JOIN = command(
    "mentor",
    "join",
    summary="Join an interest group.",
    options=[GROUP_OPTION],
    examples=["/mentor join em-interest"],
)


LEAVE = command(
    "mentor",
    "leave",
    summary="Leave an interest group.",
    options=[GROUP_OPTION],
    examples=["/mentor leave em-interest"],
)


GROUP_CREATE = command(
    "mentor",
    "group create",
    summary="Create an interest group bound to this channel; you become its organizer.",
    options=[
        Option("slug", positional=True, required=True, placeholder="SLUG",
               description="short name, e.g. em-interest"),
        Option("name", required=True, description="display name"),
        Option("specialty", required=True, description="the group's specialty"),
    ],
    who=Audience.ADMIN_OR_ORGANIZER,
    examples=['/mentor group create em-interest name:"EM Interest Group" '
              'specialty:"emergency medicine"'],
)


GROUP_BIND = command(
    "mentor",
    "group bind",
    summary="Bind this channel to an existing group: its digest and announcements go here.",
    options=[GROUP_OPTION],
    who=Audience.ADMIN_OR_ORGANIZER,
    examples=["/mentor group bind em-interest"],
)


GROUP_ORGANIZER = command(
    "mentor",
    "group organizer",
    summary="Make someone an organizer of a group, or with remove:yes no longer one.",
    options=[
        Option("group", positional=True, required=True, placeholder="GROUP",
               description="the group's short name"),
        Option("person", OptionType.PERSON, positional=True, required=True,
               placeholder="PERSON", description="who becomes (or stops being) an organizer"),
        Option("remove", OptionType.BOOL, "yes: remove them as organizer (never the last)"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group organizer em-interest jordan.lee@example.edu",
              "/mentor group organizer em-interest jordan.lee@example.edu remove:yes"],
)


GROUP_SETTINGS = command(
    "mentor",
    "group settings",
    summary="Show or change a group's name, time zone and weekly digest day and hour.",
    options=[
        GROUP_OPTION,
        Option("name", description="the group's display name"),
        Option("tz", description="the group's time zone, e.g. America/New_York"),
        Option("digest", description=f'digest day and hour, e.g. "{DIGEST_EXAMPLE}", or '
                                     f"{DIGEST_OFF}"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group settings em-interest",
              f'/mentor group settings em-interest tz:America/Chicago digest:"{DIGEST_EXAMPLE}"',
              f"/mentor group settings em-interest digest:{DIGEST_OFF}"],
)


GROUPS = command(
    "mentor",
    "groups",
    summary="Every interest group: members, organizers and channels.",
    examples=["/mentor groups"],
)


ANNOUNCE = command(
    "mentor",
    "announce",
    summary="Post an announcement to every channel of a group; ping:here or ping:channel "
            "notifies people.",
    options=[
        GROUP_OPTION,
        Option("text", positional=True, required=True, greedy=True, prose=True,
               placeholder="TEXT", description="the announcement"),
        Option("ping", OptionType.CHOICE, "notify people: here (those active) or channel "
                                          "(everyone)", choices=PINGS),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor announce em-interest Residency panel Thursday at 6 pm in room 204",
              "/mentor announce em-interest Sign-ups for the match round close Friday "
              "ping:here"],
)
