"""Outgoing mail: the SMTP settings, messages (text, HTML, a calendar file) and sending.

The server comes from TRAINING_SMTP_URL (store/config.py):

- ``smtp://user:pass@host:587``: STARTTLS, then log in (a password never crosses in clear);
- ``smtps://user:pass@host:465``: TLS from the first byte, then log in;
- ``smtp://host:25``: plain, no login (a relay on the local network).

Without TRAINING_SMTP_URL nothing is sent (`mail_enabled()` is False). Certificates are checked
with the system's trust store (SSL_CERT_FILE points Python at another one). Messages are built with
the standard library's email package and sent with `smtplib`; this module never prints and
never decides who gets what (store/reminders.py and store/password_reset.py do).
"""

from __future__ import annotations

import html
import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.charset import QP, Charset
from email.header import Header, decode_header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from store import config

TIMEOUT_SECONDS = 30
PRODID = "-//Service Quality Training//Reminders//EN"


class MailError(RuntimeError):
    """A mail could not be sent, or the mail settings cannot be used; the message says why."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: host, port, security ("starttls", "tls" or "plain"), login."""

    host: str
    port: int
    security: str
    username: str | None = None
    password: str | None = None

    def describe(self) -> str:
        """Return the settings in words, without the password."""
        who = f"{self.username}@" if self.username else ""
        return f"{self.security} to {who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Return the settings of an smtp:// or smtps:// URL; raise MailError when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MailError(f"TRAINING_SMTP_URL is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError(
            "TRAINING_SMTP_URL must look like smtp://user:password@host:587 (STARTTLS), "
            "smtps://user:password@host:465 (TLS) or smtp://host:25 (plain, no login)."
        )
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if scheme == "smtps":
        security, default_port = "tls", 465
    elif username or port == 587:
        security, default_port = "starttls", 587
    else:
        security, default_port = "plain", 25
    return SmtpSettings(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
    )


def smtp_settings() -> SmtpSettings | None:
    """Return the configured SMTP settings, or None when TRAINING_SMTP_URL is not set."""
    url = config.smtp_url()
    return parse_smtp_url(url) if url else None


def mail_enabled() -> bool:
    """Return True when mail can be sent (TRAINING_SMTP_URL is set and readable)."""
    try:
        return smtp_settings() is not None
    except MailError:
        return False


def link(path: str) -> str:
    """Return an absolute link to a path of the app (TRAINING_BASE_URL + path)."""
    return config.link_base() + (path if path.startswith("/") else "/" + path)


# --- calendar files (RFC 5545) ----------------------------------------------------------------


def ics_text(value: str) -> str:
    """Return value escaped as an iCalendar TEXT value (backslash, semicolon, comma, newline)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # Content lines are at most 75 octets; longer ones continue on lines starting with a space,
    # never splitting a UTF-8 character.
    if len(line) <= 75 and line.isascii():  # most lines: nothing to fold
        return line
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # a continuation line's leading space counts
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def due_date_ics(
    *, uid: str, summary: str, description: str, due: date, url: str, stamp: datetime
) -> bytes:
    """Return an iCalendar file (UTF-8, CRLF lines) with one all-day event on the due date."""
    stamp = stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
        f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{ics_text(summary)}",
        f"DESCRIPTION:{ics_text(description)}",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


# --- messages -----------------------------------------------------------------------------------

# Messages are built with the email package's compat32 classes (email.mime): a reminder pass
# builds thousands, and they cost a third of EmailMessage's (whose header objects were most of a
# pass). Bodies are quoted-printable UTF-8; headers are ASCII or RFC 2047 words, except an
# internationalised address, which goes as raw UTF-8 (carried as surrogate escapes) under SMTPUTF8.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


class _WirePolicy(policy.Compat32):
    """compat32 with CRLF lines that writes a short plain header as it is (most of them):
    compat32 folds every header through an `email.header.Header`, a third of the work."""

    def fold_binary(self, name: str, value) -> bytes:
        short = isinstance(value, str) and value.isascii() and len(name) + len(value) < 76
        if short and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE = _WirePolicy(linesep="\r\n", cte_type="8bit")


def _boundary() -> str:
    # "=_" never occurs in quoted-printable text (a "=" is written "=3D"), so a boundary that
    # starts with it cannot clash with a part: the generator need not search the parts for it.
    return "=_" + secrets.token_hex(12)


def _html_body(text: str, link_url: str | None, link_label: str) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p
    )
    button = (
        f'<p><a href="{html.escape(link_url, quote=True)}" style="display:inline-block;'
        "padding:10px 16px;background:#1f5fa8;color:#ffffff;text-decoration:none;"
        f'border-radius:4px">{html.escape(link_label)}</a></p>'
        if link_url
        else ""
    )
    return (
        '<!doctype html><html><body style="font-family:sans-serif;font-size:16px;'
        f'line-height:1.5;color:#222">{paragraphs}{button}</body></html>'
    )


def _address_header(value: str) -> str:
    name, address = parseaddr(value)
    if not address.isascii():  # SMTPUTF8: the header carries the UTF-8 bytes as they are
        return value.encode("utf-8").decode("ascii", "surrogateescape")
    return formataddr((name, address)) if name else address  # a non-ASCII name: RFC 2047


def _header_text(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _text_part(text: str, subtype: str, **params: str) -> MIMEText:
    part = MIMEText(text, subtype, _UTF8_QP)
    del part["MIME-Version"]  # once, at the top of the message, is enough
    for key, value in params.items():
        part.set_param(key, value)
    return part


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    link_url: str | None = None,
    link_label: str = "Open the training app",
    ics: bytes | None = None,
    ics_name: str = "due-date.ics",
    automatic: bool = True,
) -> Message:
    """Return a mail with a plain-text part, a simple HTML part and an optional .ics file.

    text is paragraphs separated by blank lines; the link goes under it in both parts.
    automatic marks reminders as auto-generated (RFC 3834) so auto-responders stay quiet.
    """
    sender = config.mail_from()
    plain = text + (f"\n\n{link_label}: {link_url}\n" if link_url else "\n")
    body = MIMEMultipart(
        "alternative",
        boundary=_boundary(),
        _subparts=[
            _text_part(plain, "plain"),
            _text_part(_html_body(text, link_url, link_label), "html"),
        ],
    )
    if ics is None:
        message = body
    else:
        calendar = _text_part(ics.decode("utf-8"), "calendar", method="PUBLISH")
        calendar.add_header("Content-Disposition", "attachment", filename=ics_name)
        del body["MIME-Version"]
        message = MIMEMultipart("mixed", boundary=_boundary(), _subparts=[body, calendar])
    message["From"] = _address_header(sender)
    message["To"] = _address_header(to)
    message["Subject"] = _header_text(subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain.encode("idna").decode("ascii"))
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
    return message


# --- sending ------------------------------------------------------------------------------------


class Unreachable(MailError):
    """The mail server could not be reached or refused the login: no mail can go now."""


class _Dropped(Exception):
    """The server closed the line (or answered 421) before it took the message: send it again."""


def _envelope_address(value: str | Header) -> str:
    if isinstance(value, Header):  # an SMTPUTF8 address: compat32 hands back its raw bytes
        value = b"".join(part for part, _ in decode_header(value)).decode("utf-8")
    return parseaddr(value)[1]


class Mailer:
    """A connection to the mail server for many mails, used by one thread at a time.

    It connects when first needed and keeps the line open between mails. When the server drops
    the line, or closes it with 421 (many servers take only so many mails per connection), before
    it has taken a message, the mailer connects again and sends that message once more: nothing
    is lost and nothing goes twice. When the line fails after the message was handed over (no
    answer to the final dot) it may have arrived: that is a MailError, like a refusal.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # opened so far

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def open(self) -> smtplib.SMTP:
        """Return the open connection, connecting (and logging in) first when there is none."""
        if self._smtp is None:
            try:
                self._smtp = _open(self._settings)
            except (smtplib.SMTPException, OSError) as exc:
                where = self._settings.describe()
                why = _why(exc)
                raise Unreachable(f"could not reach the mail server ({where}): {why}") from None
            self.connections += 1
        return self._smtp

    def close(self) -> None:
        """Say goodbye to the server (or just close the line when it is gone)."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def send(self, message: Message) -> None:
        """Send message; raise MailError when the server refuses it or the line fails."""
        data = message.as_bytes(policy=WIRE)
        sender = _envelope_address(message["From"])
        recipient = _envelope_address(message["To"])
        options = [] if (sender + recipient).isascii() else ["SMTPUTF8"]
        for again in (False, True):
            smtp = self.open()
            try:
                return self._transaction(smtp, sender, recipient, data, options)
            except _Dropped as exc:
                self._discard()
                if again:
                    raise MailError(str(exc)) from None
            except (smtplib.SMTPException, OSError) as exc:
                self._discard()  # a line that failed mid-message is not used again
                raise MailError(_why(exc)) from None

    def _transaction(self, smtp, sender: str, recipient: str, data: bytes, options) -> None:
        try:
            code, reply = smtp.mail(sender, options)
            if code == 250:
                code, reply = smtp.rcpt(recipient)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Dropped(_why(exc)) from None
        if code not in (250, 251):
            self._refused(smtp, code, reply, f" {recipient}" if code != 421 else "")
        try:
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # DATA itself was not accepted: nothing was sent
            self._refused(smtp, exc.smtp_code, exc.smtp_error, "")
        if code != 250:
            self._refused(smtp, code, reply, "")

    def _refused(self, smtp, code: int, reply, whom: str) -> None:
        detail = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        if code == 421:
            raise _Dropped(f"{code} {detail}")
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._discard()
        refused = f"the server refused{whom}: " if whom else ""
        raise MailError(f"{refused}{code} {detail}".strip())


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return f"{exc.smtp_code} {detail}".strip()
    return f"{type(exc).__name__}: {exc}"


def _open(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        if settings.security == "starttls":
            smtp.starttls(context=context)
    smtp.ehlo_or_helo_if_needed()
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def mailer(settings: SmtpSettings | None = None) -> Mailer:
    """Return a mailer for the mail server (the configured one by default); it connects when
    first used."""
    settings = settings or smtp_settings()
    if settings is None:
        raise MailError("No mail server is configured (TRAINING_SMTP_URL is not set).")
    return Mailer(settings)


@contextmanager
def connect(settings: SmtpSettings | None = None) -> Iterator[Mailer]:
    """Open one connection to the mail server (the configured one by default) for many mails."""
    with mailer(settings) as opened:
        opened.open()
        yield opened


def send_now(message: Message) -> None:
    """Send one message at once over a connection of its own; raise MailError on failure."""
    with connect() as opened:
        opened.send(message)
