"""What a match round tells people: each student (matched, or why not, without naming other
students), each faculty member (their new mentees) and the organizer (a summary that counts
and lists, `LISTED` names at most per list)."""

from __future__ import annotations

from bot.framework.replies import Reply, Section
from bot.matching.fit import stage_label
from bot.matching.round_solver import RoundResult

LISTED = 25  # names listed in the organizer's summary before "and N more"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def student_message(result: RoundResult, sid: int) -> Reply:
    """The student's DM: their mentor and which choice it was, or why no match; the
    faculty they preferred are named with the reason (filled, or no places), never the
    students who took those places."""
    data = result.data
    group = data.group
    matched = result.outcome.assignment.get(sid)
    mine = data.choices.get(sid, [])
    above = mine if matched is None else mine[: [c.faculty_id for c in mine].index(matched)]
    filled = [data.names[c.faculty_id] for c in above if data.free.get(c.faculty_id, 0) > 0]
    closed = [data.names[c.faculty_id] for c in above if data.free.get(c.faculty_id, 0) <= 0]
    notes: list[str] = []
    if filled:
        places = "their places" if len(filled) > 1 else "every place"
        notes.append(f"{_join(filled)} filled {places} with students whose fit with them was "
                     "higher.")
    if closed:
        notes.append(f"{_join(closed)} had no free places this round.")
    if matched is not None:
        number = [c.faculty_id for c in mine].index(matched) + 1
        kind = mine[number - 1].kind
        name = data.names[matched]
        text = (f"You are matched with {name} as your {kind} mentor — your "
                f"{_ordinal(number)} choice.")
        if notes:
            text += " " + " ".join(notes) + (
                " That is how a stable match works: no stable outcome of this round gives "
                "you a mentor you ranked higher.")
        text += f" Write to {name} this week to set up a first meeting."
        return Reply(title=f"{group.name} match round: you have a mentor", text=text)
    if not mine:
        text = ("There was no one to match you with this round: none of the group's faculty "
                "with free places fits your profile yet. Add interests with /mentor profile, "
                "or ask someone directly with /mentor find.")
    else:
        text = ("No match this round. " + " ".join(notes) + " No stable outcome of this "
                "round gives you one of them. Your wish stays open for the next round, and "
                "/mentor find shows faculty you can ask directly.")
    return Reply(title=f"{group.name} match round: no match yet", text=text)


def faculty_message(result: RoundResult, fid: int) -> Reply:
    """A faculty member's DM: their new mentees, with stage and interests to prepare."""
    data = result.data
    lines = []
    for sid in result.outcome.mentees.get(fid, []):
        student = data.students[sid]
        stage = stage_label(student.stage) if student.stage else "stage not given"
        interests = "; ".join(student.interests) or "no interests listed"
        lines.append(f"• {data.names[sid]} ({stage}; {interests})")
    return Reply(
        title=f"{data.group.name} match round: your new mentees",
        text=("These students were matched with you. They've been asked to write to you to "
              "set up a first meeting:\n" + "\n".join(lines)),
    )


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def summary(result: RoundResult, *, dry_run: bool) -> Reply:
    """The organizer's reply: counts first, then who was matched, who was not and why, and
    who still has places."""
    data = result.data
    matched = result.outcome.assignment
    unmatched = result.unmatched()
    free_after = result.free_after()
    first = sum(1 for s in matched if result.outcome.choice_number(result.prefs, s) == 1)
    n = len(data.students)
    head = (f"{n} student{'' if n == 1 else 's'} asked for a mentor; {len(matched)} matched "
            f"({first} to their first choice), {len(unmatched)} not matched. "
            f"{len(data.faculty)} faculty in the group; {len(free_after)} still have free "
            "places.")
    if dry_run:
        head = "Dry run — nothing was saved and nobody was told.\n" + head
    pairs = [f"• {data.names[s]} → {data.names[f]} "
             f"({_ordinal(result.outcome.choice_number(result.prefs, s) or 0)} choice)"
             for s, f in sorted(matched.items(), key=lambda p: data.names[p[0]])]
    why = []
    for sid in sorted(unmatched, key=lambda s: data.names[s]):
        if sid in data.no_choices or not data.choices.get(sid):
            reason = "no faculty of the group with free places fits their profile"
        elif all(data.free.get(c.faculty_id, 0) <= 0 for c in data.choices[sid]):
            reason = "every faculty member they chose had no free places"
        else:
            reason = "their choices filled up with students of higher fit"
        why.append(f"• {data.names[sid]}: {reason}")
    room = [f"• {data.names[f]}: {n} free" for f, n in
            sorted(free_after.items(), key=lambda p: data.names[p[0]])]
    return Reply(
        title=f"{data.group.name} match round{' (dry run)' if dry_run else ''}",
        text=head,
        sections=(
            Section(heading="Matched", text=_listed(pairs) or "nobody"),
            Section(heading="Not matched", text=_listed(why) or "nobody"),
            Section(heading="Faculty with free places", text=_listed(room) or "none"),
        ),
    )


def _listed(lines: list[str]) -> str:
    if len(lines) <= LISTED:
        return "\n".join(lines)
    return "\n".join(lines[:LISTED]) + f"\n…and {len(lines) - LISTED} more"
