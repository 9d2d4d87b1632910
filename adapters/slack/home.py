"""The App Home tab (the person's dashboard) and the profile modal.

Home shows what a person's mentorships, action items and letters are now, and nothing a
direct message changes: a reminder going out leaves it as it was. So Home is published
when the person opens it (`opened`: the `app_home_opened` event, always, and at once) and
after something they did through the bot (`refresh`: a command, a button, the profile
dialog, joining a group's channel), at most once per person every
`HOME_REFRESH_INTERVAL`: the first at once, the rest of a burst folded into one at the end
of the interval, so ten button presses in a row cost two `views.publish` and the last
press still shows (an open is answered at once and is not counted). Never after a DM: the real `mentorbot run` sending a wave of reminders
costs no `views.publish` at all.

Publishing runs on a small pool of its own (never on a request thread or a command
worker), coalesced per person: a refresh already queued for someone covers the next."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
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


HOME_REFRESH_INTERVAL = 10.0
"""Seconds: a person's Home is republished at most once in this long after what they do
through the bot (opening Home republishes it whatever the interval, and does not count)."""


@dataclass
class HomePublisher:
    core: CorePort
    workers: int = 2
    interval: float = HOME_REFRESH_INTERVAL
    monotonic: Callable[[], float] = time.monotonic
    published: int = 0  # views.publish calls made, for the benchmarks
    _pool: ThreadPoolExecutor | None = None
    _pending: set[str] = field(default_factory=set)
    _last: dict[str, float] = field(default_factory=dict)
    _later: dict[str, threading.Timer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="slack-home")

    def publish(self, client: WebClient, user_id: str, person_id: int) -> None:
        """Publish now, in the calling thread."""
        with self._lock:
            self.published += 1
        try:
            view = home_for(self.core, person_id, user_id)
            client.views_publish(user_id=user_id, view=view)
        except (SlackClientError, LookupError) as exc:
            log.warning("could not publish Home for %s: %s", user_id, exc)

    def opened(self, client: WebClient, user_id: str, person_id: int) -> Future[None] | None:
        """The person opened their Home tab: publish it now (on the Home pool)."""
        return self._queue(client, user_id, person_id)

    def refresh(self, client: WebClient, user_id: str, person_id: int) -> Future[None] | None:
        """After something the person did: publish now if their Home was not published in
        the last `interval`, else once at the end of it (a later call in the meantime
        changes nothing: that one publish shows it)."""
        with self._lock:
            if self._closed or user_id in self._later:
                return None
            last = self._last.get(user_id)
            wait = 0.0 if last is None else last + self.interval - self.monotonic()
            if wait > 0:
                timer = threading.Timer(wait, self._due, args=(client, user_id, person_id))
                timer.daemon = True
                self._later[user_id] = timer
                timer.start()
                return None
            self._last[user_id] = self.monotonic()
        return self._queue(client, user_id, person_id)

    def _due(self, client: WebClient, user_id: str, person_id: int) -> None:
        with self._lock:
            self._later.pop(user_id, None)
            self._last[user_id] = self.monotonic()
        self._queue(client, user_id, person_id)

    def _queue(self, client: WebClient, user_id: str, person_id: int) -> Future[None] | None:
        """Publish soon, on the Home pool; a publish already queued for the user covers
        this one."""
        with self._lock:
            if self._closed or user_id in self._pending:
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
        with self._lock:
            self._closed = True
            later, self._later = list(self._later.values()), {}
        for timer in later:
            timer.cancel()
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
