"""Who is behind a Slack user id: the roster person (by Slack id, then by the email
`users.info` gives, else a new student), their time zone, and whether they administer the
workspace (which lets them create interest groups). Cached, because every command and button
press asks, and `users.info` is rate limited."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.framework.ports import CorePort, PlatformUser

log = logging.getLogger(__name__)

PLATFORM = "slack"
CACHE_SECONDS = 600.0
FAILED_LOOKUP_SECONDS = 30.0  # users.info failed: try again soon


@dataclass(frozen=True)
class SlackPerson:
    person_id: int
    is_admin: bool
    timezone: str | None


@dataclass
class SlackPeople:
    core: CorePort
    ttl: float = CACHE_SECONDS
    _cache: dict[tuple[str, str], tuple[float, SlackPerson]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _user_locks: dict[tuple[str, str], threading.Lock] = field(default_factory=dict)

    def lookup(self, client: WebClient, team_id: str, user_id: str) -> SlackPerson:
        key = (team_id, user_id)
        hit = self._cached(key)
        if hit is not None:
            return hit
        # One lookup per user at a time: a burst of first commands from a new user costs one
        # users.info and creates one person.
        with self._lock:
            user_lock = self._user_locks.setdefault(key, threading.Lock())
        with user_lock:
            hit = self._cached(key)
            if hit is not None:
                return hit
            return self._lookup(client, key)

    def _cached(self, key: tuple[str, str]) -> SlackPerson | None:
        """The remembered answer, if fresh and if its person still holds the account: after
        the account is linked to another one (one record merged into the other) or its
        person's data is deleted, the id it names is gone, or (a reused id) someone else's."""
        with self._lock:
            hit = self._cache.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return None
        team_id, user_id = key
        if self.core.holder(PlatformUser(PLATFORM, user_id, workspace=team_id)) \
                != hit[1].person_id:
            self.forget(team_id, user_id)
            return None
        return hit[1]

    def _lookup(self, client: WebClient, key: tuple[str, str]) -> SlackPerson:
        team_id, user_id = key
        now = time.monotonic()
        info = self._users_info(client, user_id)
        person_id = self.core.identify(platform_user(team_id, user_id, info))
        found = SlackPerson(
            person_id=person_id,
            # An admin of their own workspace only: a guest from another organization in a
            # shared channel is no admin here, whatever they are at home.
            is_admin=bool(info and (info.get("is_admin") or info.get("is_owner"))
                          and info.get("team_id", team_id) == team_id),
            timezone=(info or {}).get("tz"),
        )
        expires = now + (self.ttl if info is not None else FAILED_LOOKUP_SECONDS)
        with self._lock:
            self._cache[key] = (expires, found)
        return found

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._cache.pop((team_id, user_id), None)

    def _users_info(self, client: WebClient, user_id: str) -> dict[str, Any] | None:
        try:
            response = client.users_info(user=user_id)
        except SlackClientError as exc:
            # Without users.info the person is still found by Slack id (or created); the
            # email match and the time zone wait for the next lookup.
            log.warning("users.info %s failed: %s", user_id, exc)
            return None
        user = response.get("user")
        return user if isinstance(user, dict) else None


def platform_user(team_id: str, user_id: str, info: dict[str, Any] | None) -> PlatformUser:
    info = info or {}
    profile = info.get("profile") or {}
    name = (profile.get("real_name") or info.get("real_name") or profile.get("display_name")
            or info.get("name") or user_id)
    return PlatformUser(
        platform=PLATFORM,
        external_id=user_id,
        workspace=team_id,
        name=str(name)[:200],
        email=profile.get("email") or None,
        timezone=info.get("tz") or None,
    )
