"""The demo data set carries a residency program list and Maya's residency profile, loaded
through the program CSV and the residency store; a second run changes nothing; the plan the
README shows comes from it."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import demo
from bot.app.core import Core
from bot.infra.models import Person, ResidencyProfile, ResidencyProgram
from tests.support.factories import Driver


def test_the_demo_has_program_lists_and_a_plan(core: Core, driver: Driver) -> None:
    with core.db.session() as s:
        first = demo.load(s, core.clock)
    assert first.programs == sum(len(p) for p in demo.PROGRAMS.values())
    assert first.residency_profiles == len(demo.RESIDENCY_PROFILES) == 2
    assert "residency programs: 18, residency profiles: 2" in first.summary()
    with core.db.session() as s:
        second = demo.load(s, core.clock)
        assert (second.programs, second.residency_profiles) == (0, 0) and not second.changed
        assert s.scalar(select(func.count()).select_from(ResidencyProgram)) == 18
        maya = s.scalar(select(Person).where(Person.email == demo.DEMO_STUDENT_EMAIL))
        assert maya is not None and s.get(ResidencyProfile, maya.id) is not None
        maya_id = maya.id
    plan = driver.run(maya_id, "/residency plan")
    assert plan.title == "Residency plan: emergency medicine, 2027–28"
    text = plan.as_text()
    assert "2. University Hospital EM (Boston, MA)" in text
    assert "your home program" in text and "an away rotation" in text
    assert "Emergency medicine's signal allotment for 2027–28: not found." in text
    assert "Backup (family medicine): 1 eligible program in your groups' lists" in text
