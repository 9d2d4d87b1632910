"""The real Slack service (Bolt app + threaded HTTP server) wired to a core and to the fake
Web API, for end-to-end tests: requests go in over HTTP, everything the app says to Slack is
recorded by the fake. `settle()` waits until the app has finished everything it started
(listeners, Home refreshes) and the fake has answered every call: a test asserts what did
not happen after it, never after a sleep."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from adapters.slack.service import SlackService
from bot.app.core import Core
from bot.framework.channels import Router
from bot.vocab.nudges import NudgeKind
from jobs.delivery import sweep
from tests.support.slack_api import Call, FakeSlackApi
from tests.support.slack_requests import SIGNING_SECRET, Answer, SlackHttp, block_actions
from tests.support.waiting import SETTLE_TIMEOUT, InFlight, settle_all, wait_until

BOT_TOKEN = "xoxb-test-token"
_names = itertools.count(1)


@dataclass
class SlackHarness:
    api: FakeSlackApi
    service: SlackService
    http: SlackHttp
    core: Core
    work: InFlight

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until the app's listeners and Home refreshes are done and the fake has
        answered every call they made."""
        settle_all(self.work, self.api.in_flight, timeout=timeout)

    def command(self, user_id: str, line: str, **kwargs: Any) -> tuple[Answer, str]:
        """Send `/root rest` as `user_id`; returns the HTTP answer and the response name."""
        root, _, rest = line.strip().partition(" ")
        name = f"r{next(_names)}"
        answer = self.http.command(root, rest, user_id=user_id,
                                   response_url=self.api.response_url(name), **kwargs)
        return answer, name

    def run(self, user_id: str, line: str, **kwargs: Any) -> Call:
        """Send a command and wait for its (first) reply."""
        answer, name = self.command(user_id, line, **kwargs)
        assert answer.status == 200, answer
        return self.api.wait_responses(name)[0]

    def press(self, user_id: str, action_id: str, *, block_id: str = "main-0",
              **kwargs: Any) -> tuple[Answer, str]:
        name = f"r{next(_names)}"
        answer = self.http.post(block_actions(action_id, user_id=user_id, block_id=block_id,
                                              response_url=self.api.response_url(name),
                                              **kwargs))
        return answer, name


@contextmanager
def slack_harness(core: Core, api: FakeSlackApi | None = None, *, web: bool = False,
                  **settings: Any) -> Iterator[SlackHarness]:
    """`web`: the web pages mounted on the same server, as `mentorbot run` does with
    PUBLIC_URL set."""
    own_api = api is None
    api = api or FakeSlackApi().start()
    config = core.settings.model_copy(update={
        "slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api.url, "slack_app_token": None, "port": 0, **settings,
    })
    service = SlackService(core, config, host="127.0.0.1")
    if web:
        from adapters.web.service import PREFIXES, application  # only these tests load Flask

        service.mount(PREFIXES, application(core.web_pages()))
    work = InFlight("the Slack app's listeners and Home refreshes")
    work.watch(service.bot.app.listener_runner.listener_executor)
    if service.bot.home._pool is not None:
        work.watch(service.bot.home._pool)
    router = Router([service.channel()])
    core.router = router  # announcements post through the app's channel, as in `run`
    # Notices a command queues (an intro request reaching a mentor) go out at once, as the
    # scheduler does in production.
    core.on_delivery_needed(lambda: sweep(core.db, core.clock, router, core.nudge_catalog,
                                                    kinds=(NudgeKind.NOTICE,)))
    service.start()
    port = 0
    if service._http is not None:
        port = service._http.port
        # Waitress counts a request thread busy until it first waits for work, and logs a
        # "task queue depth" warning at a request that finds none idle: start ready.
        dispatcher = service._http.server.task_dispatcher
        wait_until(lambda: dispatcher.active_count == 0, what="the app's request threads")
    harness = SlackHarness(api, service, SlackHttp(port), core, work)
    try:
        yield harness
        # Nothing the test started may outlive it: a listener still running would answer
        # a stopped fake, or write to the next test's database.
        harness.settle()
    finally:
        service.stop()
        if own_api:
            api.stop()


def dm_buttons(call: Call) -> dict[str, tuple[str, str]]:
    """The buttons of a recorded `chat.postMessage` (or response): label → (block id,
    action id), what `SlackHarness.press` takes."""
    blocks = call.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return {e["text"]["text"]: (b["block_id"], e["action_id"])
            for b in blocks if b["type"] == "actions" for e in b["elements"]}
