"""Where a request to link two accounts stands (`link_requests.state`, whose CHECK is built
from this enum). The only place these words are written down."""

from __future__ import annotations

from enum import StrEnum


class LinkState(StrEnum):
    WAITING = "waiting"  # a code was typed; its owner has not answered yet
    LINKED = "linked"  # its owner pressed Link: the typing account joined them
    REFUSED = "refused"  # its owner pressed Not me: nothing moved
    UNDONE = "undone"  # linked, then its owner undid it: the accounts are apart again
