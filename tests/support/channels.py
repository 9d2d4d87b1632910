"""A recording delivery channel for tests: it keeps every message it was asked to send and
can be told to fail in the ways real platforms do (rate limits, server errors, blocks).
`settle()` waits until no send is in progress (senders run in the sweeper's threads)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.framework.channels import Address, ChannelTarget, Delivery, DeliveryError
from bot.framework.replies import Reply
from tests.support.waiting import SETTLE_TIMEOUT, InFlight

Failure = Callable[[Address, Reply], DeliveryError | None]


@dataclass
class Sent:
    person_id: int
    reply: Reply
    delivery: Delivery | None = None


@dataclass
class Posted:
    target: ChannelTarget
    reply: Reply


@dataclass
class RecordingChannel:
    """Reaches every person (or only `platform` identities when `platform` is set).

    `failures` is a list of scripted answers consumed one per send: `None` means accept,
    a `DeliveryError` is raised. `fail_with` (if set) decides for every send after the
    script runs out."""

    name: str = "recording"
    platform: str | None = None
    failures: list[DeliveryError | None] = field(default_factory=list)
    fail_with: Failure | None = None
    dm_interval: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    calls: int = 0
    on_send: Callable[[Address, Reply], None] | None = None
    # Like Slack's history check: a send naming an earlier unanswered attempt finds what
    # that attempt delivered and sends nothing.
    remembers: bool = False
    deliveries: list[Delivery | None] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sending: InFlight = field(default_factory=lambda: InFlight("the recording channel"))

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until no send is in progress (fails after `timeout` seconds)."""
        self._sending.settle(timeout)

    def can_reach(self, address: Address) -> bool:
        return self.platform is None or address.identity(self.platform) is not None

    def send_dm(self, address: Address, reply: Reply, delivery: Delivery | None = None
                ) -> bool | None:
        self._sending.begin()
        try:
            return self._send_dm(address, reply, delivery)
        finally:
            self._sending.end()

    def _send_dm(self, address: Address, reply: Reply, delivery: Delivery | None
                 ) -> bool | None:
        with self._lock:
            self.calls += 1
            self.deliveries.append(delivery)
            error = self.failures.pop(0) if self.failures else None
        if error is None and self.fail_with is not None:
            error = self.fail_with(address, reply)
        if error is not None:
            raise error
        if delivery is not None and delivery.since is not None and self.remembers:
            with self._lock:
                if any(s.delivery is not None and s.delivery.key == delivery.key
                       for s in self.sent):
                    return True  # an earlier attempt went through: as Slack's history shows
        if self.on_send is not None:
            self.on_send(address, reply)
        with self._lock:
            self.sent.append(Sent(address.person_id, reply, delivery))
        return None

    def can_post(self, target: ChannelTarget) -> bool:
        return self.platform is None or target.platform == self.platform

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        self._sending.begin()
        try:
            self._post(target, reply)
        finally:
            self._sending.end()

    def _post(self, target: ChannelTarget, reply: Reply) -> None:
        with self._lock:
            self.calls += 1
            error = self.failures.pop(0) if self.failures else None
        if error is not None:
            raise error
        with self._lock:
            self.posted.append(Posted(target, reply))

    def texts(self) -> list[str]:
        """What each message says first: its title, or its text when it has none (a
        reminder's title names its subject; the notices tests queue have only text)."""
        return [s.reply.title or s.reply.text for s in self.sent]

    def per_text(self) -> Counter[str]:
        return Counter(self.texts())
