"""
A local SMTP server (aiosmtpd) on a free loopback port that counts what it accepts.

A message counts as delivered when the server has answered its DATA with
250, as RFC 5321 has it: that is when a real server takes it over. The sink
can hold one message before that answer (``hold``), so a test can kill the
client there; a message whose client is gone before the answer is not
delivered. It can also refuse chosen recipients, as a real server does.
"""

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.perf.server import free_port


@dataclass
class Sink:
    refuse: set[str] = field(default_factory=set)
    hold: int | None = None  # hold the message with this number (1 = the first)
    delivered: list[tuple[str, float]] = field(default_factory=list)
    connections: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    messages: list[bytes] = field(default_factory=list)
    _seen: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._seen += 1
        if self._seen == self.hold:
            self.holding.set()
            # Cancelled here if the client goes away: the message is then never accepted.
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        now = time.time()
        self.delivered += [(address.lower(), now) for address in envelope.rcpt_tos]
        self.messages.append(envelope.original_content or b"")
        return "250 Message accepted for delivery"

    def count(self) -> Counter:
        return Counter(address for address, _ in self.delivered)


class MailSink:
    """Run a ``Sink`` in a thread for the length of a ``with`` block."""

    def __init__(self, **options):
        self.sink = Sink(**options)
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Sink:
        self.controller.start()
        return self.sink

    def __exit__(self, *exc) -> None:
        self.sink.release.set()
        self.controller.stop()

    def env(self) -> dict[str, str]:
        """What points the project's SMTP settings at this sink."""
        return {"DJANGO_EMAIL_HOST": "127.0.0.1", "DJANGO_EMAIL_PORT": str(self.port)}
