"""Web pages behind a link from chat: signed one-time links, the sessions they open, and
what a page may show (the organizer's dashboard, the student's residency plan)."""
