"""Posting an organizer's announcement to every channel its group is bound to, on whichever
platforms those channels are, through the running adapters' channels (the `Router`).

An announcement is posted while the organizer waits, so the answer can say where it went
and where it could not go (the bot not invited to a channel, a platform not running here);
nothing is stored, so a failed channel is simply announced to again by running the command
once more. A short rate limit is waited out once; a longer one is reported."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.framework.channels import ChannelTarget, DeliveryError, Router
from bot.framework.replies import Reply

log = logging.getLogger(__name__)

RATE_LIMIT_WAIT = 5.0
"""The longest rate-limit pause (seconds) waited out, once, before reporting a channel as
not posted: the organizer is waiting for the answer."""


@dataclass(frozen=True)
class Outcome:
    """How posting to one channel went: `error` is None when it was posted."""

    target: ChannelTarget
    error: str | None = None

    @property
    def posted(self) -> bool:
        return self.error is None


def post(router: Router, targets: Sequence[ChannelTarget], reply: Reply, *,
         sleep: Callable[[float], None] = time.sleep) -> list[Outcome]:
    """Post `reply` to each target; one outcome per target, in order."""
    return [_post_one(router, target, reply, sleep) for target in targets]


def _post_one(router: Router, target: ChannelTarget, reply: Reply,
              sleep: Callable[[float], None]) -> Outcome:
    channel = router.channel_for_target(target)
    if channel is None:
        return Outcome(target, f"the bot's {target.platform.capitalize()} connection is not "
                               "running here")
    for attempt in range(2):
        try:
            channel.post_to_channel(target, reply)
            return Outcome(target)
        except DeliveryError as exc:
            wait = exc.retry_after
            if attempt == 0 and wait is not None and wait <= RATE_LIMIT_WAIT:
                sleep(wait)
                continue
            return Outcome(target, str(exc))
        except Exception as exc:  # one channel's failure must not stop the others
            log.exception("announcement to %s failed", target)
            return Outcome(target, f"{type(exc).__name__}: {exc}")
    return Outcome(target, "rate limited")
