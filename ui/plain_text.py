"""Text that people typed, shown inside Markdown exactly as typed.

Streamlit renders Markdown (and its own extensions: ``:red[...]``, ``:material/icon:``, ``$math$``) in
st.markdown, st.write of a string, st.caption, st.title/st.subheader, st.info and the other messages,
and in the labels of expanders, tabs, metrics, radios and buttons. A topic an analyst renamed to
``![x](http://evil.example/a.png)`` would load that image in every viewer's browser, and a link or
``**`` would change what the name says. Every name, title, owner, question or quote that reaches one of
those calls goes through :func:`plain` first; where the whole element is user text, st.text is simpler.
"""

from __future__ import annotations

import re

# Characters with a meaning anywhere in a line: emphasis and code (* _ ` ~), links and images and
# Streamlit's :color[...] directives ([ ]), HTML and entities (< > &), math ($), autolinks and icon
# codes (: for "http://" and ":material/x:", @ for e-mail), escapes themselves (\\). CommonMark lets
# a backslash escape any ASCII punctuation, so the escaped text shows unchanged. Other punctuation
# (. - ( ) !) is left alone where it has no meaning, so titles like "v2.1 (beta) - slow!" stay
# readable in the page source and in tests.
_ANYWHERE = re.compile(r"([\\`*_{}\[\]<>~$:&@])")
# Only at the start of a line: headings, list items, block quotes ("> " is covered above) and rules.
_LINE_START = re.compile(r"(?m)^([ \t]*)([#+\-=])")
_LIST_NUMBER = re.compile(r"(?m)^([ \t]*[0-9]+)([.)])")
# GitHub's autolinks also turn "www.example.com" into a link, without any ":".
_WWW = re.compile(r"(?i)(www)\.")


def plain(text: object) -> str:
    """Escape ``text`` so that Markdown shows it literally: no images, links, emphasis, HTML or icons.

    Args:
        text: What a person typed (a topic name, an item title, a survey name); None gives "".

    Returns:
        The text with every Markdown-significant character backslash-escaped.
    """
    if text is None:
        return ""
    escaped = _ANYWHERE.sub(r"\\\1", str(text))
    escaped = _LIST_NUMBER.sub(r"\1\\\2", escaped)
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    return _WWW.sub(r"\1\\.", escaped)
