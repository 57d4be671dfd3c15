"""Outgoing mail: the SMTP settings, messages (text, HTML, a calendar file) and sending.

The server comes from TRAINING_SMTP_URL (store/config.py):

- ``smtp://user:pass@host:587``: STARTTLS, then log in (a password never crosses in clear);
- ``smtps://user:pass@host:465``: TLS from the first byte, then log in;
- ``smtp://host:25``: plain, no login (a relay on the local network).

Without TRAINING_SMTP_URL nothing is sent (`mail_enabled()` is False). Certificates are checked
with the system's trust store (SSL_CERT_FILE points Python at another one). Messages are built with
the standard library's `EmailMessage` and sent with `smtplib`; this module never prints and
never decides who gets what (store/reminders.py and store/password_reset.py do).
"""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
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
) -> EmailMessage:
    """Return a mail with a plain-text part, a simple HTML part and an optional .ics file.

    text is paragraphs separated by blank lines; the link goes under it in both parts.
    automatic marks reminders as auto-generated (RFC 3834) so auto-responders stay quiet.
    """
    sender = config.mail_from()
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
    plain = text + (f"\n\n{link_label}: {link_url}\n" if link_url else "\n")
    message.set_content(plain)
    message.add_alternative(_html_body(text, link_url, link_label), subtype="html")
    if ics is not None:
        message.add_attachment(
            ics,
            maintype="text",
            subtype="calendar",
            filename=ics_name,
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return message


# --- sending ------------------------------------------------------------------------------------


class Mailer:
    """One open SMTP connection; `send` delivers a message through it."""

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self._smtp = smtp

    def send(self, message: EmailMessage) -> None:
        """Send message; raise MailError when the server refuses it or the line fails."""
        try:
            refused = self._smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(_why(exc)) from None
        if refused:
            raise MailError(f"the server refused {', '.join(sorted(refused))}")


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        return f"{exc.smtp_code} {detail}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for who, (code, msg) in exc.recipients.items()
        )
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
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


@contextmanager
def connect(settings: SmtpSettings | None = None) -> Iterator[Mailer]:
    """Open one connection to the mail server (the configured one by default) for many mails."""
    settings = settings or smtp_settings()
    if settings is None:
        raise MailError("No mail server is configured (TRAINING_SMTP_URL is not set).")
    try:
        smtp = _open(settings)
    except (smtplib.SMTPException, OSError) as exc:
        where = settings.describe()
        raise MailError(f"could not reach the mail server ({where}): {_why(exc)}") from None
    try:
        yield Mailer(smtp)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def send_now(message: EmailMessage) -> None:
    """Send one message at once over a connection of its own; raise MailError on failure."""
    with connect() as mailer:
        mailer.send(message)
