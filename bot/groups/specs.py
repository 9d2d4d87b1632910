"""Command specs of groups: names, options, who may run them."""

from __future__ import annotations

from bot.framework.registry import Audience, Option, OptionType, command

GROUP_OPTION = Option("group", positional=True, required=True, placeholder="GROUP",
                description="the group's short name, e.g. em-interest", max_length=64)

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
               description="short name, e.g. em-interest", max_length=64),
        Option("name", required=True, description="display name", max_length=200),
        Option("specialty", required=True, description="the group's specialty",
               max_length=100),
    ],
    who=Audience.ADMIN_OR_ORGANIZER,
    examples=['/mentor group create em-interest name:"EM Interest Group" '
              'specialty:"emergency medicine"'],
)


GROUP_ORGANIZER = command(
    "mentor",
    "group organizer",
    summary="Make someone an organizer of a group.",
    options=[
        Option("group", positional=True, required=True, placeholder="GROUP",
               description="the group's short name", max_length=64),
        Option("person", OptionType.PERSON, positional=True, required=True,
               placeholder="PERSON", description="who becomes an organizer"),
    ],
    who=Audience.ORGANIZER,
    examples=["/mentor group organizer em-interest jordan.lee@example.edu"],
)
