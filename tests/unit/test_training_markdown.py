"""safe_markdown: raw HTML comes out as visible text, ordinary Markdown is untouched."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.markdown import safe_markdown

# "<" followed by what would start a tag, comment or processing instruction.
RAW_TAG = re.compile(r"<[A-Za-z/!?]")


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
        "<!-- hidden --><iframe src=//evil.example>",
        "<svg/onload=alert(1)>",
    ],
)
def test_raw_html_is_inert(html: str) -> None:
    out = safe_markdown(f"Before {html} after")
    assert not RAW_TAG.search(out)
    assert "&lt;" in out


def test_script_is_shown_literally() -> None:
    assert safe_markdown("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_img_onerror_is_shown_literally() -> None:
    assert safe_markdown("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"


def test_ordinary_markdown_is_kept() -> None:
    text = (
        "# Heading\n\n"
        "Some **bold**, *italic* and a [link](https://example.com/a_(b)?x=1).\n\n"
        "- first\n- second\n  1. nested\n\n"
        "1. one\n2. two\n\n"
        "> A quote\n> > nested quote\n"
    )
    assert safe_markdown(text) == text


def test_ampersand_is_escaped_so_entities_cannot_smuggle_tags() -> None:
    assert safe_markdown("Fish & chips &lt;b&gt;") == "Fish &amp; chips &amp;lt;b&amp;gt;"


def test_inline_code_is_left_alone() -> None:
    assert safe_markdown("Type `<br>` or ``a ` <b>`` here <b>") == (
        "Type `<br>` or ``a ` <b>`` here &lt;b&gt;"
    )


def test_escaped_backtick_does_not_open_code() -> None:
    out = safe_markdown("\\`<script>`")
    assert "<script>" not in out


def test_unmatched_backtick_does_not_protect_html() -> None:
    out = safe_markdown("a ` <script> b")
    assert "<script>" not in out


def test_code_span_does_not_continue_across_lines() -> None:
    out = safe_markdown("a `\n\n<script>\n\n` b")
    assert "<script>" not in out


def test_fenced_code_is_left_alone() -> None:
    text = "Example:\n\n```html\n<b>bold</b>\n```\n\n<b>outside</b>\n\n~~~~\n<i>x</i>\n~~~~"
    assert safe_markdown(text) == (
        "Example:\n\n```html\n<b>bold</b>\n```\n\n&lt;b&gt;outside&lt;/b&gt;\n\n~~~~\n<i>x</i>\n~~~~"
    )


def test_unclosed_fence_is_escaped() -> None:
    assert "<script>" not in safe_markdown("```\n<script>alert(1)</script>")


def test_indented_fence_is_escaped_to_be_safe() -> None:
    out = safe_markdown("- item\n  ```\n- next <script>\n  ```")
    assert "<script>" not in out


def test_backtick_fence_with_backtick_in_info_is_not_a_fence() -> None:
    out = safe_markdown("```a`b\n<script>\n```")
    assert "<script>" not in out.split("\n")[1]


def test_autolink_becomes_a_plain_link() -> None:
    assert safe_markdown("See <https://example.com/x>.") == (
        "See [https://example.com/x](https://example.com/x)."
    )


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x"],
)
def test_dangerous_link_targets_are_dropped(target: str) -> None:
    out = safe_markdown(f"[click]({target})")
    assert out.startswith("[click](#")
    assert "script:" not in out.lower().replace("[click]", "")


def test_dangerous_reference_link_definitions_are_dropped() -> None:
    out = safe_markdown("[click][x]\n\n[x]: javascript:alert(1)")
    assert out.endswith("[x]: #")


@pytest.mark.parametrize(
    "target",
    ["https://a.example", "http://a.example", "mailto:a@b.example", "/page", "#part", "page.md"],
)
def test_safe_link_targets_are_kept(target: str) -> None:
    assert safe_markdown(f"[go]({target})") == f"[go]({target})"


def test_line_endings_are_normalised() -> None:
    assert safe_markdown("a\r\nb\rc") == "a\nb\nc"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<>&/!?abcsript =\"'`~[]()#:\n\\-*>")), max_size=300))
def test_no_raw_tag_survives_outside_code(text: str) -> None:
    out = safe_markdown(text)
    if "`" not in text and "~" not in text:
        assert "<" not in out


# Images: only from the allowed hosts; everything else becomes a link nobody's browser fetches.

from markdown_it import MarkdownIt  # noqa: E402

COMMONMARK = MarkdownIt("commonmark")
ALLOWED = ["images.example.org"]


def image_sources(markdown: str) -> list[str]:
    """Return the src of every image a CommonMark renderer would draw."""
    found: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "image":
                found.append(str(token.attrs.get("src", "")))
            walk(token.children or [])

    walk(COMMONMARK.parse(markdown))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "![pixel](http://tracker.example/p.gif)",
        "Hello ![](https://tracker.example/p.gif?u=ann) there",
        '![pixel](http://tracker.example/p.gif "title")',
        "![pixel](<http://tracker.example/p.gif>)",
        "![pixel][ref]\n\n[ref]: http://tracker.example/p.gif",
        "![ref]\n\n[ref]: http://tracker.example/p.gif",
        "[![badge](http://tracker.example/b.svg)](https://example.org)",
        "!<http://tracker.example/p.gif>",
        "![x](//tracker.example/p.gif)",
        "![x](http://images.example.org@tracker.example/p.gif)",
        "![x](http://tracker.example\\@images.example.org/p.gif)",
        "![x](http://images.example.org.tracker.example/p.gif)",
        "![x](http://evilimages.example.org/p.gif)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](images/local.png)",
        "> quoted ![x](http://tracker.example/p.gif)",
        "- item ![x](http://tracker.example/p.gif)",
    ],
)
def test_images_from_other_hosts_are_never_drawn(text: str) -> None:
    out = safe_markdown(text, allowed_image_hosts=ALLOWED)
    assert image_sources(out) == []
    # each case is an image as written, or (the "!<...>" one) once autolinks are rewritten
    assert image_sources(text.replace("!<http://tracker.example/p.gif>", "![](http://t/p)"))


def test_a_disabled_image_stays_a_link_with_its_alt_text() -> None:
    out = safe_markdown("See ![the chart](http://tracker.example/c.png).", allowed_image_hosts=[])
    assert out == "See \\![the chart](http://tracker.example/c.png)."
    assert '<a href="http://tracker.example/c.png">the chart</a>' in COMMONMARK.render(out)


def test_images_from_an_allowed_host_are_kept() -> None:
    for text in (
        "![chart](https://images.example.org/c.png)",
        '![chart](http://IMAGES.example.org:8080/c.png?size=2 "Chart")',
    ):
        assert safe_markdown(text, allowed_image_hosts=ALLOWED) == text


def test_allowed_image_hosts_come_from_the_environment(monkeypatch) -> None:
    text = "![chart](https://images.example.org/c.png)"
    monkeypatch.delenv("TRAINING_IMAGE_HOSTS", raising=False)
    assert image_sources(safe_markdown(text)) == []
    monkeypatch.setenv("TRAINING_IMAGE_HOSTS", "intranet.example, images.example.org")
    assert image_sources(safe_markdown(text)) == ["https://images.example.org/c.png"]


def test_image_syntax_in_code_is_left_as_code() -> None:
    text = "Write `![alt](https://host/x.png)` for an image.\n\n```\n![a](http://h/x)\n```"
    assert safe_markdown(text, allowed_image_hosts=[]) == text


MARKDOWN_PIECES = st.sampled_from(
    ["!", "[", "]", "(", ")", "<", ">", "`", "\\", " ", "\n", "\n\n", ":", "\"", "x",
     "http://tracker.example/p.gif", "https://images.example.org/ok.png", "//tracker.example/",
     "@", "&#64;", "[r]: ", "> ", "- ", "```", "&", "#"]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MARKDOWN_PIECES, max_size=40).map("".join))
def test_no_text_makes_an_image_from_another_host(text: str) -> None:
    for src in image_sources(safe_markdown(text, allowed_image_hosts=ALLOWED)):
        assert re.match(r"https?://images\.example\.org(?::\d+)?(?:[/?#]|$)", src), src
