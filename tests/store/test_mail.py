"""store/mail.py: the SMTP URL rules, messages with a calendar file, sending to a real server."""

from __future__ import annotations

import ssl
from datetime import UTC, date, datetime

import icalendar
import pytest

from store import mail
from tests.mailbox import Mailbox, self_signed_certificate


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://user:pa%40ss@mail.example.com:587", ("starttls", 587, "user", "pa@ss")),
        ("smtp://user:pw@mail.example.com", ("starttls", 587, "user", "pw")),
        ("smtps://user:pw@mail.example.com:465", ("tls", 465, "user", "pw")),
        ("smtps://user:pw@mail.example.com", ("tls", 465, "user", "pw")),
        ("smtp://relay.internal:25", ("plain", 25, None, None)),
        ("smtp://relay.internal", ("plain", 25, None, None)),
    ],
)
def test_the_smtp_url_decides_security_port_and_login(url, expected):
    got = mail.parse_smtp_url(url)
    assert (got.security, got.port, got.username, got.password) == expected
    assert "pw" not in got.describe() and "pa@ss" not in got.describe()


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_a_url_that_is_not_smtp_is_refused_with_the_forms_it_may_take(url):
    with pytest.raises(mail.MailError, match="smtp://user:password@host:587"):
        mail.parse_smtp_url(url)


def test_without_an_smtp_url_mail_is_off(monkeypatch):
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    assert not mail.mail_enabled()
    with pytest.raises(mail.MailError, match="No mail server"), mail.connect():
        pass


def test_the_calendar_file_is_rfc_5545_crlf_escaped_and_folded():
    title = "Empathy, part 1; the basics\\more — a long title " + "é" * 40
    ics = mail.due_date_ics(
        uid="empathy-2026-12-04-7@training",
        summary=title,
        description="Line one\nline two",
        due=date(2026, 12, 4),
        url="https://training.example.com/module?id=empathy",
        stamp=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    )
    assert ics.endswith(b"\r\n") and b"\n" not in ics.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    assert b"SUMMARY:Empathy\\, part 1\\; the basics\\\\more" in ics
    calendar = icalendar.Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == "Line one\nline two"
    assert event.decoded("DTSTART") == date(2026, 12, 4)
    assert event.decoded("DTEND") == date(2026, 12, 5)
    assert str(event["UID"]) == "empathy-2026-12-04-7@training"
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]


def test_a_message_has_text_html_and_the_calendar_file(smtp_server):
    message = mail.build_message(
        to="jo@example.com",
        subject="Due in 3 days: Empathy",
        text="Hello Jo,\n\nEmpathy <is> due.",
        link_url="https://training.example.com/module?id=empathy",
        ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    )
    mail.send_now(message)
    got = smtp_server.wait_for(1)[0]
    assert got.recipients == ["jo@example.com"]
    assert got.message["From"] == "training@example.com"
    assert got.message["Auto-Submitted"] == "auto-generated"
    text = got.message.get_body(("plain",)).get_content()
    html = got.message.get_body(("html",)).get_content()
    assert "https://training.example.com/module?id=empathy" in text
    assert "Empathy &lt;is&gt; due." in html and 'href="https://training.example.com' in html
    [attachment] = list(got.message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "due-date.ics"
    assert attachment.get_payload(decode=True) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def test_login_over_plain_smtp_is_sent_with_the_credentials_of_the_url(tmp_path):
    box = Mailbox(auth=True).start()
    try:
        settings = mail.SmtpSettings("127.0.0.1", box.port, "plain", "mailer", "s3cret-pass")
        with mail.connect(settings) as mailer:
            mailer.send(mail.build_message(to="a@example.com", subject="Hi", text="Hi"))
        assert box.wait_for(1)[0].recipients == ["a@example.com"]
        wrong = mail.SmtpSettings("127.0.0.1", box.port, "plain", "mailer", "wrong")
        with pytest.raises(mail.MailError, match="535"), mail.connect(wrong):
            pass
    finally:
        box.stop()


def test_starttls_checks_the_certificate_then_logs_in(tmp_path, monkeypatch):
    cert, key = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    box = Mailbox(auth=True, tls_context=server_context).start()
    try:
        monkeypatch.setenv("TRAINING_SMTP_URL", box.url(auth=True))
        assert mail.smtp_settings().security == "starttls"
        with pytest.raises(mail.MailError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            mail.send_now(mail.build_message(to="a@example.com", subject="Hi", text="Hi"))
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now the certificate is trusted
        mail.send_now(mail.build_message(to="b@example.com", subject="Hi", text="Hi"))
        assert box.wait_for(1)[0].recipients == ["b@example.com"]
    finally:
        box.stop()


def test_smtps_speaks_tls_from_the_first_byte_then_logs_in(tmp_path, monkeypatch):
    cert, key = self_signed_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    box = Mailbox(auth=True, tls_context=server_context, implicit_tls=True).start()
    try:
        monkeypatch.setenv("TRAINING_SMTP_URL", box.url(auth=True))
        assert mail.smtp_settings().security == "tls"
        mail.send_now(mail.build_message(to="c@example.com", subject="Hi", text="Hi"))
        assert box.wait_for(1)[0].recipients == ["c@example.com"]
    finally:
        box.stop()


def test_a_refused_message_raises_with_the_servers_answer(smtp_server):
    smtp_server.refuse_next = 1
    with pytest.raises(mail.MailError, match="451"):
        mail.send_now(mail.build_message(to="a@example.com", subject="Hi", text="Hi"))


def test_one_connection_carries_many_messages(smtp_server):
    with mail.connect() as mailer:
        for n in range(5):
            mailer.send(mail.build_message(to=f"p{n}@example.com", subject="Hi", text="Hi"))
    assert [r.recipients for r in smtp_server.wait_for(5)] == [
        [f"p{n}@example.com"] for n in range(5)
    ]
    assert mailer.connections == 1 and smtp_server.greetings == 1


@pytest.mark.parametrize("silently", [False, True], ids=["421", "line-dropped"])
def test_a_connection_closed_between_messages_is_opened_again_and_each_mail_goes_once(
    smtp_server, silently
):
    smtp_server.drop_every, smtp_server.drop_silently = 3, silently
    with mail.connect() as mailer:
        for n in range(8):
            mailer.send(mail.build_message(to=f"p{n}@example.com", subject=f"Mail {n}", text="Hi"))
    got = [r.message["Subject"] for r in smtp_server.wait_for(8)]
    assert got == [f"Mail {n}" for n in range(8)]  # each once, in order
    assert smtp_server.drops == 2 and mailer.connections == 3


def test_a_server_that_drops_every_line_at_once_is_an_error_not_a_loop(smtp_server):
    smtp_server.drop_every = -1  # closes before the first message of every connection
    with mail.connect() as mailer, pytest.raises(mail.MailError, match="421"):
        mailer.send(mail.build_message(to="a@example.com", subject="Hi", text="Hi"))
    assert smtp_server.received == [] and mailer.connections == 2


def test_a_non_ascii_subject_sender_name_and_address_arrive_intact(monkeypatch):
    box = Mailbox(smtputf8=True).start()
    try:
        monkeypatch.setenv("TRAINING_SMTP_URL", box.url())
        monkeypatch.setenv("TRAINING_MAIL_FROM", "Équipe Formation <training@example.com>")
        message = mail.build_message(to="zoë@example.com", subject="Réunion — café", text="Ça va")
        mail.send_now(message)
        got = box.wait_for(1)[0]
        assert got.recipients == ["zoë@example.com"] and got.sender == "training@example.com"
        assert got.message["To"] == "zoë@example.com"
        assert got.message["From"] == "Équipe Formation <training@example.com>"
        assert got.message["Subject"] == "Réunion — café"
        assert got.message.get_body(("plain",)).get_content().splitlines() == ["Ça va"]
    finally:
        box.stop()


def test_long_headers_are_folded_and_a_body_cannot_break_the_part_boundaries(smtp_server):
    subject = "Overdue: " + " ".join(["A very long module title"] * 6)
    text = "Hello,\n\n--=_ not a boundary\n=_ nor this = that\n\n." + "x" * 200
    mail.send_now(mail.build_message(to="a@example.com", subject=subject, text=text))
    got = smtp_server.wait_for(1)[0]
    assert all(len(line) <= 78 for line in got.raw.split(b"\r\n"))
    assert got.message["Subject"] == subject
    plain = got.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain == text + "\n" and len(list(got.message.walk())) == 3
