"""The App Home tab (the person's dashboard) and the profile modal.

Home is republished after anything the person does through the bot and after a message is
delivered to them, so it never shows stale follow-ups or letters. Publishing is queued on a
small thread pool and coalesced per user: ten button presses in a row cost one
`views.publish`, and no command waits for it."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.framework.forms import Form
from bot.framework.ports import CorePort

from .render import home_view

log = logging.getLogger(__name__)

EDIT_PROFILE_ACTION = "profile_edit_open"
PROFILE_MODAL = "profile_edit"
INPUT_ACTION = "value"


def home_for(core: CorePort, person_id: int, user_id: str | None = None) -> View:
    """The person's dashboard as the core gives it (`CorePort.home`), with an edit-profile
    button."""
    view = home_view(core.home(person_id), owner=user_id)
    edit = ActionsBlock(block_id="home-tools", elements=[ButtonElement(
        text=PlainTextObject(text="Edit profile"), action_id=EDIT_PROFILE_ACTION,
        value="profile")])
    blocks = list(view.blocks or [])
    view.blocks = [*blocks[:1], edit, *blocks[1:]][:100]
    return view


@dataclass
class HomePublisher:
    core: CorePort
    workers: int = 2
    _pool: ThreadPoolExecutor | None = None
    _pending: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="slack-home")

    def publish(self, client: WebClient, user_id: str, person_id: int) -> None:
        """Publish now, in the calling thread."""
        try:
            view = home_for(self.core, person_id, user_id)
            client.views_publish(user_id=user_id, view=view)
        except (SlackClientError, LookupError) as exc:
            log.warning("could not publish Home for %s: %s", user_id, exc)

    def refresh(self, client: WebClient, user_id: str, person_id: int) -> Future[None] | None:
        """Publish soon, in the background; a refresh already queued for the user covers
        this one."""
        with self._lock:
            if user_id in self._pending:
                return None
            self._pending.add(user_id)
        assert self._pool is not None

        def run() -> None:
            with self._lock:
                self._pending.discard(user_id)
            self.publish(client, user_id, person_id)

        try:
            return self._pool.submit(run)
        except RuntimeError:  # shutting down
            return None

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def profile_modal(core: CorePort, person_id: int, *, private_metadata: str = "") -> View:
    return form_modal(core.profile_form(person_id), PROFILE_MODAL,
                      private_metadata=private_metadata)


def form_modal(form: Form, callback_id: str, *, private_metadata: str = "") -> View:
    blocks: list[Any] = []
    for item in form.fields:
        element: Any
        if item.kind == "choice":
            options = [Option(text=choice, value=choice) for choice in item.choices]
            initial = next((o for o in options if o.value == item.value), None)
            element = StaticSelectElement(action_id=INPUT_ACTION, options=options,
                                          initial_option=initial,
                                          placeholder=PlainTextObject(text="Choose"))
        else:
            element = PlainTextInputElement(action_id=INPUT_ACTION,
                                            initial_value=item.value or None,
                                            multiline=item.multiline,
                                            max_length=item.max_length)
        blocks.append(InputBlock(block_id=item.name, label=PlainTextObject(
            text=item.label[:2000]), element=element, optional=True))
    return View(type="modal", callback_id=callback_id, title=PlainTextObject(text=form.title),
                submit=PlainTextObject(text="Save"), close=PlainTextObject(text="Cancel"),
                blocks=blocks, private_metadata=private_metadata)


def form_values(state: dict[str, Any]) -> dict[str, str]:
    """A modal's submitted `view.state.values` as typed options (unchanged fields kept)."""
    values: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        answer = actions.get(INPUT_ACTION) or {}
        if answer.get("type") == "static_select":
            chosen = answer.get("selected_option") or {}
            value = chosen.get("value")
        else:
            value = answer.get("value")
        if value is not None and str(value).strip():
            values[block_id] = str(value)
    return values
