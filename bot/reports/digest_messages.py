"""How the weekly group digest reads, from its facts (counts and faculty lines only)."""

from __future__ import annotations

from bot.framework.replies import Reply, Section
from bot.framework.wording import count
from bot.groups.digest_rules import DigestFacts


def digest_reply(facts: DigestFacts) -> Reply:
    sections: list[Section] = []
    if facts.newly_accepting:
        lines = [
            f"• {f.name}" + (f", {f.title}" if f.title else "") +
            (f" ({f.detail})" if f.detail else "")
            for f in facts.newly_accepting
        ]
        where = f" in {facts.specialty}" if facts.specialty else ""
        sections.append(Section(heading=f"Newly accepting mentees{where}",
                                text="\n".join(lines)))
    if facts.office_hours:
        sections.append(Section(
            heading="Office hours",
            text="\n".join(f"• {f.name}: {f.detail}" for f in facts.office_hours),
        ))
    coming = f"in the next {count(facts.weeks, 'week', 'weeks')}"
    sections.append(Section(
        heading="Coming up in the group",
        text=(f"{count(facts.letters_due, 'letter deadline', 'letter deadlines')} and "
              f"{count(facts.followups_due, 'mentor follow-up', 'mentor follow-ups')} "
              f"{coming}. Check yours with /letter list and /mentor list."),
    ))
    return Reply(
        title=f"This week in {facts.group_name}",
        text="Find a mentor with /mentor find; ask for an intro with /mentor request.",
        sections=tuple(sections),
        ephemeral=False,
    )
