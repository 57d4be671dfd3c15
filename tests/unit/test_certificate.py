"""Certificate ids and PDFs, including names outside Latin-1 and the core-font fallback."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from training import certificate
from training.certificate import (
    certificate_id,
    certificate_pdf,
    normalise_certificate_id,
    to_latin1,
)

NAMES = [
    "Zoë Łukasiewicz",
    "José Álvarez",
    "Nguyễn Thị Minh Khai",
    "Ødegaard-Şahin",
    "Ana",
]

HAS_DEJAVU = certificate._find_fonts() is not None


# --- a tiny text extractor for fpdf2 output (no PDF library is installed) -------------------


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Return {object number: (dictionary, decoded stream or None)}."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        body = match.group(2)
        stream = None
        s = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S)
        if s:
            stream = s.group(1)
            if b"/FlateDecode" in body[: s.start()]:
                stream = zlib.decompress(stream)
            body = body[: s.start()]
        objects[int(match.group(1))] = (body, stream)
    return objects


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _literal(raw: bytes) -> bytes:
    """Decode the escapes of a PDF literal string (without its parentheses)."""
    out = bytearray()
    i = 0
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            nxt = raw[i + 1]
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
            elif 0x30 <= nxt <= 0x37:
                octal = re.match(rb"[0-7]{1,3}", raw[i + 1 :])
                assert octal is not None
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
            else:
                out.append(nxt)
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> list[str]:
    """Return the text shown on the page, one string per text-showing operator."""
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body, _ in objects.values():
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        if not font_dict:
            continue
        for name, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", font_dict.group(1)):
            font_body = objects[int(num)][0]
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font_body)
            fonts[name] = _cmap(objects[int(to_unicode.group(1))][1] or b"") if to_unicode else None
    texts: list[str] = []
    for _body, stream in objects.values():
        if stream is None or b"Tj" not in stream:
            continue
        current: dict[int, str] | None = None
        token = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
        for m in token.finditer(stream):
            if m.group(1) is not None:
                current = fonts.get(m.group(1))
                continue
            raw = _literal(m.group(2))
            if current is None:
                texts.append(raw.decode("latin-1"))
            else:
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                texts.append("".join(current.get(code, "\ufffd") for code in codes))
    return texts


def render(**overrides: object) -> bytes:
    args: dict[str, object] = {
        "certificate_id": "CERT-7F3A-92B1",
        "learner_name": "Zoë Łukasiewicz",
        "module_title": "Empathy: feelings before fixes",
        "score": 92.5,
        "passed_on": date(2025, 3, 3),
        "valid_until": date(2026, 3, 3),
    }
    args.update(overrides)
    return certificate_pdf(**args)  # type: ignore[arg-type]


# --- ids -----------------------------------------------------------------------------------


def test_certificate_id_format_and_stability() -> None:
    cid = certificate_id(7, "empathy", datetime(2025, 3, 3, 14, 5, 9))
    assert re.fullmatch(r"CERT-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", cid)
    assert cid == certificate_id(7, "empathy", datetime(2025, 3, 3, 14, 5, 9))
    assert cid == certificate_id("7", "empathy", datetime(2025, 3, 3, 14, 5, 9))


def test_certificate_id_differs_per_user_module_and_time() -> None:
    base = datetime(2025, 3, 3, 14, 5, 9)
    ids = {
        certificate_id(7, "empathy", base),
        certificate_id(8, "empathy", base),
        certificate_id(7, "sincerity", base),
        certificate_id(7, "empathy", base + timedelta(seconds=1)),
        certificate_id(7, "empathy", base.date()),
    }
    assert len(ids) == 5
    many = {certificate_id(u, "empathy", base) for u in range(5000)}
    assert len(many) == 5000


def test_certificate_id_survives_a_database_round_trip() -> None:
    """Zone and microseconds lost in storage must not change the id."""
    aware = datetime(2025, 3, 3, 15, 5, 9, 123456, tzinfo=timezone(timedelta(hours=1)))
    naive_utc = datetime(2025, 3, 3, 14, 5, 9)
    assert certificate_id(1, "m", aware) == certificate_id(1, "m", naive_utc)
    assert certificate_id(1, "m", aware) == certificate_id(1, "m", aware.astimezone(UTC))


def test_certificate_id_rejects_non_dates() -> None:
    with pytest.raises(TypeError):
        certificate_id(1, "m", "2025-03-03")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CERT-7F3A-92B1", "CERT-7F3A-92B1"),
        ("cert-7f3a-92b1", "CERT-7F3A-92B1"),
        (" cert 7f3a 92b1 ", "CERT-7F3A-92B1"),
        ("7F3A92B1", "CERT-7F3A-92B1"),
        ("CERT-7F3A-92BI", "CERT-7F3A-92B1"),
        ("CERT-O0AL-0000", "CERT-00A1-0000"),
        ("CERT-7F3A-92B", None),
        ("CERT-7F3A-92B1X", None),
        ("CERT-UUUU-0000", None),
        ("", None),
    ],
)
def test_normalise_certificate_id(typed: str, expected: str | None) -> None:
    assert normalise_certificate_id(typed) == expected


def test_generated_ids_are_their_own_normal_form() -> None:
    for user in range(50):
        cid = certificate_id(user, "empathy", date(2025, 1, 1))
        assert normalise_certificate_id(cid) == cid
        assert normalise_certificate_id(cid.lower().replace("-", "")) == cid


# --- PDFs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_pdf_renders_names(name: str) -> None:
    pdf = render(learner_name=name)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 2000
    text = pdf_text(pdf)
    expected = name if HAS_DEJAVU else to_latin1(name)
    assert expected in text


def test_pdf_shows_every_field() -> None:
    text = pdf_text(render(organisation="Harbour Hotels"))
    joined = "\n".join(text)
    assert "HARBOUR HOTELS" in text
    assert "Certificate of Completion" in text
    assert "Empathy: feelings before fixes" in text
    assert "Score 92.5%" in joined
    assert "Passed on 3 March 2025" in joined
    assert "Valid until 3 March 2026" in joined
    assert "CERT-7F3A-92B1" in joined
    assert "verify with your administrator" in joined


def test_pdf_without_expiry_and_whole_score() -> None:
    joined = "\n".join(pdf_text(render(valid_until=None, score=100.0)))
    assert "Does not expire" in joined and "Valid until" not in joined
    assert "Score 100%" in joined


def test_pdf_is_a4_landscape_single_page() -> None:
    pdf = render()
    assert b"/MediaBox [0 0 841.89 595.28]" in pdf
    assert b"/Count 1" in pdf


def test_pdf_long_title_and_name_do_not_crash_or_overflow() -> None:
    long_title = "Service recovery: " + "turning a complaint into loyalty, " * 20
    long_name = "Maximiliana Wilhelmina " * 10
    pdf = render(module_title=long_title, learner_name=long_name)
    assert pdf.startswith(b"%PDF-")
    assert b"/Count 1" in pdf
    text = pdf_text(pdf)
    assert any(t.startswith("Service recovery:") for t in text)
    assert any(t.endswith(("…", "...")) for t in text), "overlong text is clipped with an ellipsis"


def test_pdf_with_empty_and_odd_inputs() -> None:
    pdf = render(learner_name="   ", module_title="A\tB\nC", organisation="")
    assert pdf.startswith(b"%PDF-")
    assert "A B C" in pdf_text(pdf)


@pytest.mark.skipif(not HAS_DEJAVU, reason="DejaVu not installed")
def test_pdf_embeds_dejavu_when_present() -> None:
    assert b"DejaVuSans" in render()


def test_core_font_fallback_never_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(certificate, "FONT_CANDIDATES", [(Path("/nonexistent.ttf"),) * 2])
    for name in [*NAMES, "王小明", "Ωμέγα 😀"]:
        pdf = render(learner_name=name, module_title="Sincerity — “really” meaning it…")
        assert pdf.startswith(b"%PDF-")
        assert b"DejaVu" not in pdf
        assert to_latin1(name) in pdf_text(pdf)
    text = pdf_text(render(learner_name="Nguyễn Łukasiewicz"))
    assert "Nguyen Lukasiewicz" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("José", "José"),
        ("Zoë Łukasiewicz", "Zoë Lukasiewicz"),
        ("Nguyễn", "Nguyen"),
        ("Şahin", "Sahin"),
        ("Œuvre — “fine”", 'OEuvre - "fine"'),
        ("王", "?"),
        ("", ""),
    ],
)
def test_to_latin1(text: str, expected: str) -> None:
    assert to_latin1(text) == expected
    to_latin1(text).encode("latin-1")
