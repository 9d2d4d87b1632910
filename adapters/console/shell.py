"""`mentorbot shell`: read commands from standard input, print replies as plain text. Direct
messages a command sends to people with no chat account are printed too, marked with their
recipient; those to people on Slack or Discord are left for that platform's workers (the
database may be one they serve), and the shell says so."""

from __future__ import annotations

import queue
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.framework.channels import Address, ChannelTarget, Delivery, Router
from bot.framework.ports import CorePort, Request
from bot.framework.replies import Attachment, Reply

PROMPT = "mentorbot> "
STOP_POLL = 0.2
"""Seconds between two looks at the stop request while waiting for input."""
BANNER = ("Type /mentor help, /letter help or /residency help. Buttons are shown with the "
          "command that does the same. End with Ctrl-D or `exit`.")


@dataclass
class ConsoleChannel:
    """Delivers direct messages by printing them; reaches everyone, so it is the fallback."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    name: str = "console"
    # The sweep sends from several threads; keep each message's lines together.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def can_reach(self, address: Address) -> bool:
        return True

    def send_dm(self, address: Address, reply: Reply, delivery: Delivery | None = None
                ) -> None:
        who = f"{address.name} <{address.email}>" if address.email else address.name
        with self._lock:
            self.out.write(f"\n--- direct message to {who} ---\n{reply.as_text()}\n---\n")
            self.out.flush()

    def can_post(self, target: ChannelTarget) -> bool:
        return True

    def post_to_channel(self, target: ChannelTarget, reply: Reply) -> None:
        where = f"{target.platform} channel {target.channel_id}"
        with self._lock:
            self.out.write(f"\n--- post to {where} ---\n{reply.as_text()}\n---\n")
            self.out.flush()


@dataclass
class Shell:
    core: CorePort
    actor_id: int
    actor_label: str
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    router: Router | None = None
    # Set to end the session between commands (`mentorbot run` on SIGTERM): a command and
    # the delivery it caused are never cut in half, and waiting for input ends at once.
    stop: threading.Event = field(default_factory=threading.Event)
    _lines: queue.Queue[str] | None = None

    def __post_init__(self) -> None:
        if self.router is None:
            self.router = Router([ConsoleChannel(self.stdout)])

    def run(self) -> int:
        interactive = self.stdin.isatty()
        if interactive:
            self.stdout.write(f"Signed in as {self.actor_label}. {BANNER}\n")
        while True:
            if interactive:
                self.stdout.write(PROMPT)
                self.stdout.flush()
            line = self._read()
            if line is None:
                return 0
            if not line:
                if interactive:
                    self.stdout.write("\n")
                return 0
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line in {"exit", "quit"}:
                return 0
            reply = self.execute(line)
            self.stdout.write(reply.as_text() + "\n")
            if reply.attachment is not None:
                self.stdout.write(f"Wrote {self.save(reply.attachment)}\n")
            self.stdout.write("\n")
            self.deliver()
            self.stdout.flush()

    def _read(self) -> str | None:
        """The next line ('' at end of input), or None once asked to stop. Input is read by
        a thread of its own: a signal may be handled by any thread, and the main thread
        notices a stop only if it is not stuck in a read."""
        if self._lines is None:
            self._lines = queue.Queue()
            threading.Thread(target=self._read_all, args=(self._lines,), daemon=True,
                             name="console-input").start()
        while not self.stop.is_set():
            try:
                return self._lines.get(timeout=STOP_POLL)
            except queue.Empty:
                continue
        return None

    def _read_all(self, lines: queue.Queue[str]) -> None:
        while True:
            line = self.stdin.readline()
            lines.put(line)
            if not line:
                return

    def execute(self, line: str) -> Reply:
        root, _, rest = line.lstrip("/").partition(" ")
        return self.core.handle(Request(root=root.lower(), actor_id=self.actor_id, text=rest))

    def save(self, attachment: Attachment) -> Path:
        """A file the bot sent (a calendar) lands in the current directory."""
        path = Path.cwd() / Path(attachment.filename).name
        path.write_bytes(attachment.content)
        return path

    def deliver(self) -> None:
        assert self.router is not None
        # Only messages caused by what was just typed; planned nudges wait for their sweep.
        left = self.core.deliver_notices(self.router)
        for who in dict.fromkeys(left):
            self.stdout.write(f"(A direct message to {who} waits for their Slack or Discord "
                              "account.)\n")
        if left:
            self.stdout.write("\n")
