"""What the bot stores about a person, part by part, in plain words, with who can see each
part and the tables that hold it. `/mentor privacy` reads this out, the export labels each
table with it, and a test checks that every table naming a person belongs to a part, so a
table added later cannot go unmentioned."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    heading: str
    stored: str  # what is kept, in plain words
    seen_by: str  # who can see it
    tables: tuple[str, ...]  # where it is kept


PARTS: tuple[Part, ...] = (
    Part("Profile",
         "Your name, email, time zone and quiet hours. Students: stage, interests, research "
         "and whether you want a mentor. Faculty: specialty, title, research, how many "
         "mentees you take, whether you are accepting, office hours and when you are away.",
         "You, and organizers of your groups. A faculty profile is also shown to students "
         "looking for mentors and in group digests; a student's name and stage go to the "
         "faculty they ask for an introduction.",
         ("people", "student_profiles", "faculty_profiles")),
    Part("Accounts",
         "Your Slack and Discord account ids, which one you used last and where you want "
         "nudges, plus one-time link codes (only a hash of each), the codes typed to "
         "link accounts, the questions asking you to confirm a link, and what each link "
         "changed (so you can undo it for a week).",
         "Only the bot, to know who is writing and where to reach you.",
         ("identities", "link_codes", "link_attempts", "link_requests", "link_merges")),
    Part("Groups",
         "The interest groups you joined and the ones you organize.",
         "Organizers of those groups.",
         ("memberships", "roles")),
    Part("Introductions and mentorships",
         "Intro requests you sent or received (with the note and your order of "
         "preference), who mentors whom, the kind of mentorship, its rhythm, when it "
         "started, the last contact and how it ended.",
         "You and the other person (a faculty member never sees where they were in your "
         "order). Organizers see counts and health in reports, and who is still looking.",
         ("intro_requests", "mentorships")),
    Part("Contacts and notes",
         "When you were in touch with a mentor, your notes, whether it was an ask, and how "
         "useful a meeting was (the rating you gave).",
         "Only you. Your mentor sees that you were in touch, never your notes or ratings; "
         "reports count contacts and average ratings without names.",
         ("contacts",)),
    Part("Check-ins",
         "Your answers to \"Did you meet?\" after a mentorship starts.",
         "Only you; reports count the answers without names.",
         ("checkins",)),
    Part("Action items",
         "Tasks a mentor suggested, when they are due, and whether you did them (or why "
         "not).",
         "Only you; your mentor sees the task, not your reasons.",
         ("action_items",)),
    Part("Letters",
         "For each recommendation letter: the writer, program, kind, portal, deadline, "
         "where it stands, the packet checklist and its history. Never a letter's text.",
         "You, and the letter's writer (the student, program, state and deadline, not your "
         "checklist). Reports count letters and never name you next to one.",
         ("letters",)),
    Part("Outcomes",
         "Interviews, acceptances and match results you record.",
         "Only you.",
         ("outcomes",)),
    Part("Residency plan",
         "Your residency profile (specialty, backup, applicant type, visa, Step 2 CK, home "
         "and away programs, preferred regions and types, couples, cycle), the programs you "
         "kept or dropped and the signals you set, what happened at each program, the "
         "mentors you shared your list with, and their comments on it.",
         "You, and the mentors you share your list with (your Step 2 CK and tiers only if "
         "you say so); a mentor sees the comments they wrote. Your groups see outcome counts "
         "per program only where five or more people gave them, never your name.",
         ("residency_profiles", "residency_entries", "residency_outcomes", "residency_shares",
          "residency_comments")),
    Part("Nudges",
         "The reminders and notices the bot owes or sent you, when, and how delivery went.",
         "You; organizers see delivery counts and failures.",
         ("nudges",)),
)


def part_of(table: str) -> Part | None:
    return next((part for part in PARTS if table in part.tables), None)
