"""Certificates: a stable id per pass and an A4 landscape PDF made with fpdf2.

The PDF uses DejaVu (a Unicode TTF) when it is installed, so names such as "Zoë Łukasiewicz" or
"Nguyễn" print as written. Without it the core Helvetica font is used and characters outside
Latin-1 are transliterated (accents dropped, "Ł" -> "L") or replaced by "?", never an error.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from training.scores import format_score
from training.status import pass_is_valid

DEFAULT_ORGANISATION = "Service Quality Training"

# Regular and bold faces, tried in order; the first pair that exists is used.
FONT_CANDIDATES: list[tuple[Path, Path]] = [
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ),
]

# Crockford base32: no I, L, O or U, so an id read aloud or typed is hard to get wrong.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_RE = re.compile(r"^CERT-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})$")

# Letters that have no decomposition into a Latin-1 base letter.
_FALLBACK_MAP = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Œ": "OE",
        "œ": "oe",
        "ŋ": "n",
        "Ŋ": "N",
        "ſ": "s",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "•": "-",
    }
)

# Colours (RGB).
_INK = (33, 37, 41)
_MUTED = (96, 103, 112)
_ACCENT = (31, 78, 121)
_GOLD = (176, 141, 87)


def _normalise_time(passed_at: date | datetime) -> str:
    """Return a canonical string for the pass time: UTC, whole seconds, no zone suffix.

    Aware datetimes are converted to UTC and naive ones are taken as UTC, so a value that lost
    its zone or its microseconds on the way through a database still gives the same id.
    """
    if isinstance(passed_at, datetime):
        if passed_at.tzinfo is not None:
            passed_at = passed_at.astimezone(UTC).replace(tzinfo=None)
        return passed_at.replace(microsecond=0).isoformat(timespec="seconds")
    if isinstance(passed_at, date):
        return passed_at.isoformat()
    raise TypeError(f"passed_at must be a date or datetime, got {type(passed_at).__name__}")


def certificate_id(
    user_id: int | str, module_id: str, passed_at: date | datetime, *, salt: str = ""
) -> str:
    """Return a short stable id such as "CERT-7F3A-92B1" for one pass of one module.

    It is 40 bits of SHA-256 over the user, module and pass time (UTC, whole seconds), and the
    salt when given, written in Crockford base32. The same inputs always give the same id; the
    store should still keep the id in a unique column so an admin can look it up.
    """
    key = f"{user_id}\x1f{module_id}\x1f{_normalise_time(passed_at)}".encode()
    if salt:
        key += f"\x1f{salt}".encode()
    value = int.from_bytes(hashlib.sha256(key).digest()[:5], "big")
    chars = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"CERT-{chars[:4]}-{chars[4:]}"


def certificate_id_candidates(
    user_id: int | str, module_id: str, passed_at: date | datetime, attempt_id: int
) -> Iterator[str]:
    """Yield ids for one pass, best first: the plain stable id, then ones salted by the attempt.

    The plain id is taken when the same person passes the same module twice in one second
    (quizzes submitted back to back by a script, or two tabs); the attempt id then tells the
    passes apart, so the store never runs out of ids however fast passes come.
    """
    yield certificate_id(user_id, module_id, passed_at)
    for n in range(1, 1000):
        yield certificate_id(user_id, module_id, passed_at, salt=f"{attempt_id}:{n}")


class Standing(StrEnum):
    """What a certificate means today: the person's current one, expired, or superseded."""

    CURRENT = "current"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        """Return the standing in words."""
        return {
            Standing.CURRENT: "Current",
            Standing.EXPIRED: "Expired",
            Standing.SUPERSEDED: "Superseded",
        }[self]


def standing(
    *, is_latest: bool, expires_at: datetime | None, today: date, zone: tzinfo = UTC
) -> Standing:
    """Return a certificate's standing: superseded by a later pass, else expired or current."""
    if not is_latest:
        return Standing.SUPERSEDED
    return Standing.CURRENT if pass_is_valid(expires_at, today, zone) else Standing.EXPIRED


def normalise_certificate_id(text: str) -> str | None:
    """Return the canonical form of a typed certificate id, or None if it cannot be one.

    Case, spaces and missing dashes are forgiven, and the look-alikes O, I and L read as 0, 1, 1.
    """
    cleaned = re.sub(r"[\s\-_]", "", text).upper()
    if cleaned.startswith("CERT"):
        cleaned = cleaned[4:]
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    candidate = f"CERT-{cleaned[:4]}-{cleaned[4:]}"
    return candidate if len(cleaned) == 8 and _ID_RE.match(candidate) else None


def to_latin1(text: str) -> str:
    """Return text that core PDF fonts can encode: transliterate, else replace with "?"."""
    out: list[str] = []
    for char in text.translate(_FALLBACK_MAP):
        try:
            char.encode("latin-1")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        # Try the composed form first (may land in Latin-1), then strip combining marks.
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        composed = unicodedata.normalize("NFC", base)
        try:
            composed.encode("latin-1")
            out.append(composed or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def _find_fonts() -> tuple[Path, Path] | None:
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _format_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class _Certificate:
    """Small layout helper around FPDF with one font family and text fitting."""

    def __init__(self) -> None:
        self.pdf = FPDF(orientation="landscape", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.add_page()
        fonts = _find_fonts()
        if fonts:
            self.pdf.add_font("Cert", "", str(fonts[0]))
            self.pdf.add_font("Cert", "B", str(fonts[1]))
            self.family = "Cert"
            self.unicode = True
        else:
            self.family = "Helvetica"
            self.unicode = False

    def text(self, value: str) -> str:
        return value if self.unicode else to_latin1(value)

    def line(
        self,
        value: str,
        *,
        y: float,
        size: float,
        bold: bool = False,
        colour: tuple[int, int, int] = _INK,
        min_size: float | None = None,
        max_lines: int = 1,
        width: float = 237.0,
    ) -> float:
        """Write centred text at y, shrinking then wrapping to fit; return the y below it."""
        pdf = self.pdf
        value = self.text(" ".join(value.split()))
        style = "B" if bold else ""
        floor = min_size if min_size is not None else size
        pdf.set_text_color(*colour)
        pdf.set_font(self.family, style, size)
        while size > floor and pdf.get_string_width(value) > width:
            size = max(floor, size - 1)
            pdf.set_font(self.family, style, size)
        line_height = size * 0.5
        x = (pdf.w - width) / 2
        if pdf.get_string_width(value) <= width or max_lines <= 1:
            lines = [value] if pdf.get_string_width(value) <= width else [self._clip(value, width)]
        else:
            lines = pdf.multi_cell(
                width, line_height, value, dry_run=True, output="LINES", align=Align.C
            )
            if len(lines) > max_lines:
                rest = " ".join(lines[max_lines - 1 :])
                lines = [*lines[: max_lines - 1], self._clip(rest, width)]
        for i, text in enumerate(lines):
            pdf.set_xy(x, y + i * line_height)
            pdf.cell(width, line_height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return y + len(lines) * line_height

    def _clip(self, value: str, width: float) -> str:
        ellipsis = "..." if not self.unicode else "…"
        if self.pdf.get_string_width(value) <= width:
            return value
        while value and self.pdf.get_string_width(value + ellipsis) > width:
            value = value[:-1]
        return value.rstrip() + ellipsis


def certificate_pdf(
    *,
    certificate_id: str,
    learner_name: str,
    module_title: str,
    score: float,
    passed_on: date,
    valid_until: date | None,
    organisation: str = DEFAULT_ORGANISATION,
) -> bytes:
    """Render the certificate for one passed module as A4 landscape PDF bytes."""
    cert = _Certificate()
    pdf = cert.pdf
    pdf.set_title(f"Certificate {certificate_id}: {module_title}")
    pdf.set_author(organisation)
    pdf.set_subject(f"{learner_name} - {module_title}")
    pdf.set_creator("service-training")
    pdf.set_creation_date(datetime.combine(passed_on, datetime.min.time(), tzinfo=UTC))

    # Frame: an outer accent border and a thin gold inner rule.
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(15, 15, pdf.w - 30, pdf.h - 30)

    cert.line(organisation.upper(), y=28, size=12, bold=True, colour=_ACCENT, min_size=8)
    cert.line("Certificate of Completion", y=42, size=34, bold=True, colour=_INK, min_size=34)
    pdf.set_draw_color(*_GOLD)
    pdf.set_line_width(0.6)
    pdf.line(pdf.w / 2 - 40, 64, pdf.w / 2 + 40, 64)

    cert.line("This certifies that", y=74, size=13, colour=_MUTED)
    cert.line(learner_name, y=86, size=30, bold=True, colour=_ACCENT, min_size=16, max_lines=1)
    cert.line("has successfully completed the module", y=106, size=13, colour=_MUTED)
    below = cert.line(
        module_title, y=117, size=22, bold=True, colour=_INK, min_size=13, max_lines=2
    )

    expiry = f"Valid until {_format_date(valid_until)}" if valid_until else "Does not expire"
    details = f"Score {format_score(score)} · Passed on {_format_date(passed_on)} · {expiry}"
    cert.line(details, y=max(below + 8, 140), size=13, colour=_INK, min_size=10)

    pdf.set_draw_color(*_MUTED)
    pdf.set_line_width(0.2)
    pdf.line(pdf.w / 2 - 60, 166, pdf.w / 2 + 60, 166)
    cert.line(f"Certificate ID  {certificate_id}", y=171, size=11, bold=True, colour=_INK)
    cert.line(
        "To check this certificate, verify with your administrator.",
        y=178,
        size=9,
        colour=_MUTED,
        min_size=7,
    )
    return bytes(pdf.output())
