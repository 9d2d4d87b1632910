"""Makes docs/dashboard.png, the README's picture of the organizer's dashboard: the demo data
in a throwaway SQLite database, the pages on a loopback port, a one-time link for the demo
organizer of em-interest, opened in headless Chromium (as the browser tests do).

    python docs/dashboard_screenshot.py [OUT.png]"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.app import demo  # noqa: E402
from bot.app.core import Core  # noqa: E402
from bot.groups.store import find_group  # noqa: E402
from bot.infra.clock import SystemClock  # noqa: E402
from bot.infra.db import Database  # noqa: E402
from bot.infra.models import Person  # noqa: E402
from bot.infra.settings import Settings  # noqa: E402
from bot.web.rules import Page  # noqa: E402
from tests.support.browser import chromium  # noqa: E402
from tests.support.web import web_server  # noqa: E402

ORGANIZER = "jordan.kim@example.edu"
GROUP = "em-interest"
SIZE = (1280, 1500)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard.png"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
        db = Database(url)
        db.upgrade()
        core = Core(db=db, clock=SystemClock(),
                    settings=Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
        with db.session() as session:
            demo.load(session, core.clock)
            person_id = session.scalars(select(Person.id).where(Person.email == ORGANIZER)).one()
            group_id = find_group(session, GROUP).id
        browser = chromium()
        try:
            with web_server(core) as web:
                browser.set_window_size(*SIZE)
                browser.get(web.link(person_id, Page.REPORT, group_id))
                browser.save_screenshot(str(out))
        finally:
            browser.quit()
            db.dispose()
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
