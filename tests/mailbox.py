"""A real SMTP server for the suite (aiosmtpd on a loopback port) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import functools
import subprocess
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.browser.server import free_port

USER, SECRET = "mailer", "s3cret-pass"


@dataclass
class Received:
    """One delivered mail: the envelope and the message (parsed when first read)."""

    sender: str
    recipients: list[str]
    raw: bytes

    @functools.cached_property
    def message(self) -> EmailMessage:
        """Return the parsed message (parsing is slow, so the server only keeps the bytes)."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.box.lock:
            self.box.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        box = self.box
        if box.drop_every and getattr(session, "delivered", 0) >= box.drop_every:
            with box.lock:
                box.drops += 1
            if box.drop_silently:  # the line just goes, no answer
                server.transport.abort()
            else:  # answer 421, then close the line
                session.loop.call_soon(server.transport.close)
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.box.lock:
            if self.box.refuse_next > 0:
                self.box.refuse_next -= 1
                self.box.refused += 1
                return self.box.refusal
            raw = envelope.original_content or envelope.content
            self.box.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw))
        session.delivered = getattr(session, "delivered", 0) + 1
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USER.encode() and auth_data.password == SECRET.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


class Mailbox:
    """The server and what it received; set refuse_next to refuse that many messages first.

    greetings counts EHLOs (one per connection on a plain line). With drop_every=N the server
    takes N messages per connection and then closes it at the next MAIL: answering 421 first,
    or (drop_silently) without a word.
    """

    def __init__(
        self,
        *,
        auth: bool = False,
        tls_context=None,
        implicit_tls: bool = False,
        smtputf8: bool = False,
    ) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.refuse_next = 0
        self.refused = 0
        self.refusal = "451 4.3.0 Try again later"
        self.greetings = 0
        self.drop_every = 0
        self.drop_silently = False
        self.drops = 0
        kwargs = {"enable_SMTPUTF8": True} if smtputf8 else {}
        if auth:
            # aiosmtpd only counts STARTTLS as TLS; under smtps:// the whole line is TLS anyway
            require_tls = tls_context is not None and not implicit_tls
            kwargs.update(authenticator=_authenticate, auth_require_tls=require_tls)
        if tls_context is not None and implicit_tls:  # smtps://: TLS from the first byte
            kwargs.update(ssl_context=tls_context)
        elif tls_context is not None:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        self.implicit_tls = implicit_tls
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def url(self, *, auth: bool = False) -> str:
        who = f"{USER}:{SECRET}@" if auth else ""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{who}127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Return the received mails once there are at least count (fail after timeout)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mail(s), got {len(self.received)}")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Return (certificate, key) files for 127.0.0.1 made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
