"""How the privacy commands read. Every number and span comes from `bot.privacy.rules` and
every part of what is stored from `bot.privacy.catalog`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.framework.replies import Action, Reply, Section
from bot.framework.wording import count
from bot.infra.zones import format_day, format_local, local_day
from bot.matching.finder import Result
from bot.matching.intro_messages import candidates_section
from bot.privacy import catalog, rules
from bot.vocab.linking import LinkState
from bot.vocab.platforms import PLATFORMS, label

EXPORT_COMMAND = "/mentor privacy export"
DELETE_COMMAND = "/mentor privacy delete"
LINK_COMMAND = "/mentor link"


def _minutes(length: timedelta) -> str:
    return count(int(length.total_seconds() // 60), "minute")


def _hours(length: timedelta) -> str:
    return count(int(length.total_seconds() // 3600), "hour")

# --- /mentor privacy ---------------------------------------------------------------------


def overview() -> Reply:
    sections = tuple(
        Section(heading=part.heading, text=f"{part.stored}\nWho sees it: {part.seen_by}")
        for part in catalog.PARTS)
    return Reply(
        title="What I store about you",
        text="Only what the features need to work for you, and never a letter's text. Part "
             "by part, with who can see it:",
        sections=(*sections, Section(
            heading="Your say over it",
            text=f"{EXPORT_COMMAND}: every row about you, as one JSON file.\n"
                 f"{DELETE_COMMAND}: delete all of it, after you confirm with a button.\n"
                 f"{LINK_COMMAND}: join your Slack and Discord accounts into one.")),
    )


# --- export ------------------------------------------------------------------------------


def export_reply(rows: int, tables: int) -> Reply:
    return Reply(
        title="Your data, as one file",
        text=f"Everything I store about you: {count(rows, 'row')} from "
             f"{count(tables, 'table')}, in JSON. The file explains each part; parts of "
             "other people's records that only they see are left out.",
    )


# --- delete ------------------------------------------------------------------------------


def _part_counts(counts: Mapping[str, int], *, skip: tuple[str, ...] = ()) -> list[str]:
    """'• Letters: 3 records' lines, one per catalog part that holds anything."""
    lines = []
    for part in catalog.PARTS:
        rows = sum(counts.get(table, 0) for table in part.tables)
        if rows and part.heading not in skip:
            lines.append(f"• {part.heading}: {count(rows, 'record')}")
    return lines


def delete_confirmation(counts: Mapping[str, int], confirm: Action, *, faculty: bool
                        ) -> Reply:
    profile = catalog.PARTS[0].heading
    lines = [f"• {profile}: your name, email, time zone and profile",
             *_part_counts(counts, skip=(profile,))]
    waiting = (" Students waiting on an intro request to you are offered others."
               if faculty else "")
    return Reply(
        title="Delete everything I store about you?",
        text="This deletes, at once and for good:\n" + "\n".join(lines) + "\n\n"
             "Your mentors and mentees are told kindly that the mentorship ended, in words "
             f"that don't keep your name.{waiting} Reports keep only counts, with no name. "
             f"If you want a copy first: {EXPORT_COMMAND}.\n"
             f"The button works for {_minutes(rules.CONFIRM_WINDOW)}.",
        actions=(confirm,),
    )


def confirmation_expired() -> str:
    return (f"That button is more than {_minutes(rules.CONFIRM_WINDOW)} old, so it no longer "
            f"deletes anything. Ask again with {DELETE_COMMAND}.")


def deleted_reply(ended: int, closed: int) -> Reply:
    told = []
    if ended:
        told.append(f"the other side of {count(ended, 'mentorship')} has been told it ended")
    if closed:
        told.append(f"{count(closed, 'student')} waiting on an intro request to you "
                    "got other suggestions")
    return Reply(
        title="Your data is deleted",
        text="Everything I stored about you is gone" +
             (f"; {' and '.join(told)}." if told else ".") +
             " If you use mentorbot again, you start afresh.",
    )


def deleted_by_organizer(ended: int, closed: int) -> str:
    return (f"Deleted. {count(ended, 'mentorship')} ended (the other side is told), "
            f"{count(closed, 'open intro request')} closed with other suggestions.")


# --- what the people left behind are told ------------------------------------------------


def mentee_left(kind: str, started: datetime, tz: str) -> Reply:
    """To a mentor whose mentee asked for their data to be deleted. It cannot name them:
    nothing naming a deleted person is kept, and this message is kept like any other."""
    since = format_day(local_day(started, tz))
    return Reply(
        title="A mentorship has ended",
        text=f"Your {kind} mentee since {since} has left mentorbot and asked for their data "
             "to be deleted, so that mentorship has ended and its reminders have stopped. "
             "Thank you for the time you gave them; your place is free for a new mentee.",
    )


def mentor_left(kind: str, started: datetime, tz: str, suggestions: Sequence[Result]
                ) -> Reply:
    """To a student whose mentor asked for their data to be deleted (unnamed, as above)."""
    since = format_day(local_day(started, tz))
    return Reply(
        title="A mentorship has ended",
        text=f"Your {kind} mentor since {since} has left mentorbot and asked for their data "
             "to be deleted, so that mentorship has ended and its reminders have stopped. "
             "It says nothing about you." +
             (f" Others who could be your {kind} mentor:" if suggestions else
              f" /mentor find kind:{kind} shows who is accepting mentees."),
        sections=candidates_section(suggestions, kind),
    )


def request_closed(asked: datetime, tz: str, suggestions: Sequence[Result]) -> Reply:
    """To a student whose intro request was waiting on a faculty member who was deleted."""
    return Reply(
        title="An intro request is closed",
        text=f"The faculty member you asked for an introduction on "
             f"{format_day(local_day(asked, tz))} has left mentorbot, so that request is "
             "closed. It says nothing about you." +
             (" Others worth asking:" if suggestions else
              " /mentor find shows who is accepting mentees."),
        sections=candidates_section(suggestions, None),
    )


# --- linking -----------------------------------------------------------------------------


def code_issued(code: str, expires: datetime, tz: str) -> Reply:
    return Reply(
        title="Your link code",
        text=f"{code}\n\nOn your other platform ({' or '.join(map(label, PLATFORMS))}), "
             f"type {LINK_COMMAND} "
             f"{code} within {_minutes(rules.CODE_LIFETIME)} (until "
             f"{format_local(expires, tz)}). I'll then ask you here to confirm that account "
             "is yours; nothing is joined before you do. It works once. Don't share it.",
    )


def not_a_code(text: str) -> str:
    return (f"“{text}” is not a link code: a code has {count(rules.CODE_LENGTH, 'character')}, "
            f"like the one {LINK_COMMAND} shows on your other platform.")


WRONG_CODE = (f"That code doesn't work: it is wrong, already used, or more than "
              f"{_minutes(rules.CODE_LIFETIME)} old. Get a new one with {LINK_COMMAND} on your "
              "other platform.")


def own_code() -> str:
    return (f"That's the code you asked for from this account. Type {LINK_COMMAND} CODE on "
            "your other platform (the account you want to join to this one).")


def locked(until: datetime, tz: str) -> str:
    return (f"Too many wrong codes: {count(rules.MAX_WRONG_CODES, 'wrong code')} within "
            f"{_hours(rules.WRONG_CODE_WINDOW)} lock linking for {_hours(rules.LOCKED_FOR)}. "
            f"Try again after {format_local(until, tz)}.")


def _account(platform: str, name: str, external_id: str) -> str:
    return f"the {label(platform)} account “{name}” (id {external_id})"


def asked(asked_on: str) -> Reply:
    """To the account that typed a right code: nothing has moved; the owner is asked."""
    return Reply(
        title="Waiting for a confirmation",
        text=f"That code was asked for on {label(asked_on)}. I've asked there whether this "
             "account is theirs; nothing is joined until they press Link (within "
             f"{_hours(rules.ANSWER_WINDOW)}). If both accounts are yours, answer it there.",
    )


def link_question(platform: str, name: str, external_id: str, typed_at: datetime, tz: str,
                  link: Action, not_me: Action) -> Reply:
    """To the code's owner, on their own account: is the account that typed it theirs?"""
    return Reply(
        title="Link an account to you?",
        text=f"Link {_account(platform, name, external_id)} to you? It typed the link code "
             f"you asked for, at {format_local(typed_at, tz)}.\n"
             "Link: that account joins you, with what it holds; nothing of yours moves to "
             f"it, and you can undo it for {count(rules.UNDO_WINDOW.days, 'day')} with "
             f"{LINK_COMMAND} undo.\n"
             "Not me: nothing is linked, and that account is told so.\n"
             f"These buttons work for {_hours(rules.ANSWER_WINDOW)}.",
        actions=(link, not_me),
    )


NO_SUCH_REQUEST = "That link request isn't there: it was never yours, or the account is gone."
NOTHING_TO_JOIN = "That account is yours already: there is nothing to link."
ACCOUNT_MOVED = ("That account has been linked to someone else since it typed your code, so "
                 "nothing was linked. Ask for a new code if you still want to link it.")

_ANSWERED: dict[str, str] = {LinkState.LINKED: "the account was linked", LinkState.REFUSED: "you said Not me",
             LinkState.UNDONE: "the account was linked, then the link undone"}


def answered_already(state: str) -> str:
    return f"That link request is answered already: {_ANSWERED.get(state, state)}."


def request_expired(platform: str) -> str:
    return (f"That link request is more than {_hours(rules.ANSWER_WINDOW)} old, so it links "
            f"nothing. To link, type {LINK_COMMAND} here for a new code and type it on "
            f"{label(platform)}.")


def not_linked_reply() -> Reply:
    """To the owner, after Not me."""
    return Reply(
        title="Nothing linked",
        text="Nothing was linked, and the account that typed your code has been told. "
             "The code is used up; if someone else has seen it, it no longer works.",
    )


def refused_to_typer(platform: str) -> Reply:
    """To the account that typed a code its owner said was not theirs."""
    return Reply(
        title="Not linked",
        text=f"The person whose link code you typed said this {label(platform)} account is "
             "not theirs, so nothing was linked. To link accounts of your own, type "
             f"{LINK_COMMAND} on your other account for a code of your own.",
    )


NOTHING_TO_UNDO = "You have no link to undo."
UNDO_FROM_OWN_ACCOUNT = (f"Undo a link from the account that asked for the code, not from the "
                         f"one the link brought in: type {LINK_COMMAND} undo there.")


def undo_expired(merged_at: datetime, tz: str) -> str:
    return (f"Your last link was made {format_local(merged_at, tz)}: a link can be undone "
            f"for {count(rules.UNDO_WINDOW.days, 'day')}, so this one stays.")


def unlinked_reply(kept: int) -> Reply:
    stays = ("" if not kept else " 1 value changed since the link stays as it is now."
             if kept == 1 else f" {kept} values changed since the link stay as they are now.")
    return Reply(
        title="Link undone",
        text="The other account is its own person again, with what it brought; your record "
             f"is as it was before the link.{stays}",
    )


def linked_reply(platforms: Sequence[str], moved: Mapping[str, int],
                 joined: Mapping[str, int], dropped_email: str | None) -> Reply:
    where = " and ".join(label(p) for p in platforms)
    lines = _part_counts(moved)
    joined_lines = [f"• {text}" for text in _joined_lines(joined)]
    choices = " or ".join(f"notify:{p}" for p in PLATFORMS)
    text = (f"Your {where + ' ' if where else ''}accounts are one person now. Nudges go "
            f"where you used me last; "
            f"choose with /mentor profile {choices}. Not what you meant? {LINK_COMMAND} "
            f"undo within {count(rules.UNDO_WINDOW.days, 'day')} puts it back.")
    sections = []
    if lines:
        sections.append(Section(heading="Joined from the other account",
                                text="\n".join(lines)))
    if joined_lines:
        sections.append(Section(heading="Kept once", text="\n".join(joined_lines)))
    footer = (f"{dropped_email} was the other account's email; I keep only yours, so it is "
              "no longer on file." if dropped_email else "")
    return Reply(title="Accounts linked", text=text, sections=tuple(sections), footer=footer)


JOINED_WORDING = {
    "mentorships": ("mentorship with the same mentor, now one",
                    "mentorships with the same mentor, now one each"),
    "intro_requests": ("intro request sent twice, now one", "intro requests sent twice, now one each"),
    "letters": ("letter tracked twice, now one", "letters tracked twice, now one each"),
    "memberships": ("group you were in twice", "groups you were in twice"),
    "roles": ("role you held twice", "roles you held twice"),
}


def _joined_lines(joined: Mapping[str, int]) -> list[str]:
    out = []
    for table, (one, many) in JOINED_WORDING.items():
        n = joined.get(table, 0)
        if n:
            out.append(f"{n} {one if n == 1 else many}")
    return out
