"""How the core reaches a person: the delivery channel protocol adapters implement. The core
and jobs talk to channels through this, never to a platform library."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.models import Person
from bot.replies import Reply


@dataclass(frozen=True)
class Address:
    """A person as a delivery channel needs them: plain values, no ORM object."""

    person_id: int
    name: str
    email: str | None
    identities: tuple[tuple[str, str, str], ...] = ()  # (platform, workspace, external_id)

    @classmethod
    def of(cls, person: Person) -> Address:
        return cls(
            person_id=person.id,
            name=person.name,
            email=person.email,
            identities=tuple((i.platform, i.workspace, i.external_id) for i in person.identities),
        )

    def identity(self, platform: str) -> tuple[str, str] | None:
        """(workspace, external_id) of this person's account on `platform`, if any."""
        for plat, workspace, external_id in self.identities:
            if plat == platform:
                return workspace, external_id
        return None


class DeliveryError(Exception):
    """A send that did not happen. `retry_after` (seconds) when the platform said when to try
    again; `permanent` when trying again cannot help (the person blocked DMs, say)."""

    def __init__(self, message: str, *, retry_after: float | None = None,
                 permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def can_reach(self, address: Address) -> bool: ...

    def send_dm(self, address: Address, reply: Reply) -> None:
        """Deliver or raise DeliveryError. Returning means the platform accepted it."""
        ...


@dataclass
class Router:
    """Chooses, per person, the first channel that can reach them (in order of preference)."""

    channels: list[Channel] = field(default_factory=list)

    def add(self, channel: Channel) -> None:
        self.channels.append(channel)

    def channel_for(self, address: Address) -> Channel | None:
        return next((c for c in self.channels if c.can_reach(address)), None)
