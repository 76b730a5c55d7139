"""Helpers shared by the pages respondents open without login (in-app feedback, questionnaire)."""

from __future__ import annotations

import re
import uuid

import streamlit as st

from analytics.pii import PHONE, PLACEHOLDERS
from ui.i18n import current_language, language_switch, t, t_in

# Forms of the respondent pages: at most this wide on a desktop, the full width of a phone.
FORM_WIDTH = 720
# Ids are INTEGER columns: PostgreSQL refuses a larger number and SQLite one past 2**63.
MAX_LINK_ID = 2**31 - 1
MAX_LINK_CHARS = 200  # longer than any product name
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The browser's own token for a wave's anonymous link (one response per browser), kept a year.
BROWSER_COOKIE = "rectify_respondent"
_TOKEN = re.compile(r"[0-9a-f]{32}")
_COOKIE_MAX_AGE = 365 * 24 * 3600


def link_param(name: str) -> str:
    """The link's ``?name=`` value, stripped ("" when absent); a value that can name nothing stops the page.

    A number must be ASCII digits up to MAX_LINK_ID: "²" and "١٢" are digits to Python but no id, and a
    20-digit number is past every id (the database would fail on it). Control characters (a NUL breaks
    PostgreSQL text) and values longer than MAX_LINK_CHARS cannot name anything either.
    """
    value = str(st.query_params.get(name, "")).strip()
    too_long = len(value) > MAX_LINK_CHARS  # first: int() of thousands of digits raises
    if too_long or _CONTROL.search(value) or (value.isdigit() and not _link_id(value)):
        st.error(t("respondent.bad_link", name=name))
        st.stop()
    return value


def _link_id(digits: str) -> bool:
    return digits.isascii() and 0 < int(digits) <= MAX_LINK_ID


def is_embedded() -> bool:
    """Whether the page runs inside the product (`?embed=true`): keep it compact there.

    Streamlit keeps `embed` out of st.query_params; st.context.is_embedded is how a script sees it.
    """
    return bool(st.context.is_embedded)


# On a phone, a scale whose points carry words stacks them, one point a line: side by side the words
# wrap into a second row. Plain digits (0-10) stay side by side; desktops keep every scale in a row.
_PHONE_SCALES = (
    "<style>@media (max-width: 640px) {"
    "[data-testid='stRadioGroup'][aria-orientation='horizontal']:has([data-testid='stRadioCaption'])"
    " {flex-direction: column; align-items: flex-start; gap: 0.25rem}"
    "}</style>"
)


def heading(text: str) -> None:
    """The page's title; a smaller one when embedded, where every line of height counts.

    Opened by link, the page has its own language switch above the title (respondent pages have no
    sidebar); embedded, the product sets the language with ?lang=.
    """
    st.html(_PHONE_SCALES)
    if is_embedded():
        st.subheader(text, anchor=False)
    else:
        language_switch(st.container(horizontal_alignment="right"))
        st.title(text, anchor=False)


def render_redaction_note(pii_counts: dict[str, int]) -> None:
    """Tell the respondent which kinds of personal data were taken out before saving."""
    if not pii_counts:
        return
    separator = "、" if current_language() == "zh" else ", "
    names = separator.join(_pii_name(kind) for kind in sorted(pii_counts))
    st.caption(t("collect.redacted", types=names))


def _pii_name(kind: str, lang: str | None = None) -> str:
    key = f"collect.pii_{kind.lower()}"
    try:
        return t_in(lang, key) if lang else t(key)
    except KeyError:  # a type added to analytics.pii later: its code is still clear
        return kind


def _shown_placeholders(lang: str) -> dict[str, str]:
    """Stored placeholder -> as a reader of `lang` sees it: Chinese readers get Chinese names."""
    if lang != "zh":
        return {}
    return {stored: f"[{_pii_name(kind, 'zh')}]" for kind, stored in PLACEHOLDERS.items()}


def show_placeholders(text: str, lang: str) -> str:
    """Stored text for a respondent: redaction placeholders named in their language ([电话号码] ...)."""
    for stored, shown in _shown_placeholders(lang).items():
        text = text.replace(stored, shown)
    return text


def store_placeholders(text: str, lang: str) -> str:
    """The reverse of :func:`show_placeholders`: a changed answer keeps the stored placeholders."""
    for stored, shown in _shown_placeholders(lang).items():
        text = text.replace(shown, stored)
    return text


def has_placeholders(text: str, lang: str) -> bool:
    """Whether `text` (as the respondent sees it) holds a redaction placeholder."""
    shown = _shown_placeholders(lang) or {p: p for p in PLACEHOLDERS.values()}
    return any(placeholder in text for placeholder in shown.values())


def render_placeholder_note() -> None:
    """Say what the bracketed words in a stored text stand for."""
    lang = current_language()
    example = show_placeholders(PLACEHOLDERS[PHONE], lang)
    st.caption(t("collect.placeholder_note", example=example))


def browser_token() -> str:
    """This browser's token for anonymous links: from its cookie, else a new one the browser keeps.

    The cookie is read when the page connects, so a new token is also kept in the session: the same
    tab answers under it until the browser sends the cookie. A browser that refuses the cookie (or a
    private window, or another browser) gets a new token, which is why an anonymous link is weaker
    than personal links.
    """
    cookie = str(st.context.cookies.get(BROWSER_COOKIE) or "")
    if _TOKEN.fullmatch(cookie):
        st.session_state["respondent_token"] = cookie
        return cookie
    token = str(st.session_state.setdefault("respondent_token", uuid.uuid4().hex))
    # Inside the product's page (an iframe of another site) a cookie must be SameSite=None; Secure.
    st.html(
        "<script>document.cookie = "
        f"'{BROWSER_COOKIE}={token}; path=/; max-age={_COOKIE_MAX_AGE}' + "
        "(location.protocol === 'https:' ? '; SameSite=None; Secure' : '; SameSite=Lax');</script>",
        unsafe_allow_javascript=True,
    )
    return token
