"""Form descriptions for adapters that edit things in a dialog (Slack's profile modal).

A form is derived from the command it submits to, so a dialog can never offer a field the
command does not accept, and its submission goes through the same parsing and checks as
typed options (`Request(path=..., options=...)`)."""

from __future__ import annotations

from bot.framework.forms import Form, FormField
from bot.framework.registry import Option, OptionType
from bot.infra.models import Person
from bot.people import specs
from bot.people.specs import PROFILE_COMMON, PROFILE_FACULTY, PROFILE_STUDENT

YES_NO = ("yes", "no")
FORM_FIELD_LIMIT = 3000
"""The longest text a dialog's field may hold (Slack's plain-text input)."""


def _field(option: Option, value: str) -> FormField:
    label = (option.description or option.name).split(":", 1)[-1].strip()
    label = label[:1].upper() + label[1:]
    if option.type is OptionType.CHOICE:
        return FormField(option.name, label, "choice", value, tuple(option.choices))
    if option.type in (OptionType.BOOL, OptionType.FLAG):
        return FormField(option.name, label, "choice", value, YES_NO)
    rule = option.text_rule
    return FormField(option.name, label, "text", value,
                     multiline=rule.lines or option.type is OptionType.LIST,
                     max_length=min(rule.limit, FORM_FIELD_LIMIT))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def profile_form(person: Person) -> Form:
    """The `/mentor profile` options that apply to this person, with current values."""
    spec = specs.PROFILE
    current: dict[str, str] = {"tz": person.timezone or "", "quiet": person.quiet_hours or "",
                               "notify": person.notify_platform or ""}
    names = list(PROFILE_COMMON)
    student = person.student_profile
    if person.is_student:
        names += PROFILE_STUDENT
        if student is not None:
            current.update(stage=student.stage or "", interests="; ".join(student.interests),
                           research="; ".join(student.research),
                           looking=_yes_no(student.wants_mentor))
    faculty = person.faculty_profile
    if person.is_faculty:
        names += PROFILE_FACULTY
        if faculty is not None:
            current.update(specialty=faculty.specialty, capacity=str(faculty.capacity),
                           accepting=_yes_no(faculty.accepting),
                           **{"office-hours": faculty.office_hours or ""})
    fields = tuple(_field(option, current.get(option.name, ""))
                   for name in names if (option := spec.option(name)) is not None)
    return Form(command=spec.name, title="Your profile", fields=fields)
