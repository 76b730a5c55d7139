"""ui.plain_text: what people typed shows in Markdown exactly as typed, with nothing loaded or linked."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from ui.plain_text import plain

# CommonMark with GitHub's tables and strikethrough: the parts of Streamlit's renderer that turn text
# into elements. (Streamlit's own :color[...] and $math$ are checked on the escaped source below.)
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
EVIL = "![x](http://evil.example/a.png) **bold** <img src=x>"


def shown(markdown: str) -> tuple[str, str]:
    """The HTML Markdown makes of `markdown`, and the text a reader sees in it."""
    rendered = MARKDOWN.render(markdown)
    return rendered, html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize(
    "typed",
    [
        EVIL,
        "[click](javascript:alert(1)) and <script>alert(1)</script>",
        "&lt;img src=x&gt; &amp; __under__ *star* `code` ~~gone~~",
        "# Heading\n- item\n1. first\n> quote\n---",
        "a | b\n--- | ---\n1 | 2",
        "<http://evil.example> \\*escaped\\*",
        "上传化验单闪退 / Upload crash (v2.1) - 3.5 秒!",
    ],
)
def test_typed_text_is_shown_as_typed(typed: str) -> None:
    rendered, text = shown(plain(typed))
    assert re.findall(r"<(?!/?p>|br />)[a-z]+", rendered) == []  # only paragraphs: no img, a, em, h1, li ...
    assert text.split() == typed.split()  # the same words and signs; Markdown joins lines with spaces


def test_the_evil_topic_name_loads_nothing() -> None:
    rendered, text = shown(f"### {plain(EVIL)}")
    assert "<img" not in rendered and "evil.example/a.png" in text
    assert text == EVIL


@pytest.mark.parametrize(
    ("typed", "hidden"),
    [
        (":red[alarm] :material/home: $x^2$", [":red[", ":material/", "$x"]),
        ("www.evil.example and mail a@evil.example", ["www.", "a@"]),
    ],
)
def test_streamlit_directives_math_and_autolinks_are_escaped(typed: str, hidden: list[str]) -> None:
    escaped = plain(typed)
    # Each starts with a character that is now escaped: a backslash stands right before it.
    assert [h for h in hidden if re.search(r"(?<!\\)" + re.escape(h), escaped)] == []
    assert shown(escaped)[1] == typed


def test_nothing_gives_an_empty_string() -> None:
    assert plain(None) == ""
    assert plain(42) == "42"
