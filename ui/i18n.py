"""UI strings in Chinese and English, and the language switch. Every key has both languages."""

from __future__ import annotations

import importlib
import pkgutil

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui import strings as _strings_package

LANGUAGES = {"zh": "中文", "en": "English"}
LANG_KEY = "lang"
SWITCH_KEY = "lang_switch"


def load_strings() -> dict[str, tuple[str, str]]:
    """All (zh, en) pairs of the modules in ui/strings/, one module per area of the app."""
    merged: dict[str, tuple[str, str]] = {}
    for module in pkgutil.iter_modules(_strings_package.__path__):
        table = importlib.import_module(f"ui.strings.{module.name}").STRINGS
        clash = merged.keys() & table.keys()
        if clash:
            raise KeyError(f"UI string keys defined twice: {sorted(clash)}")
        merged.update(table)
    return merged


STRINGS = load_strings()  # key: (zh, en); placeholders in braces match in both


def current_language() -> str:
    """The session's language: chosen in the switch, else ?lang=, else the browser's locale."""
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGUAGES:
        return str(lang)
    asked = st.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    locale = (st.context.locale or "") if hasattr(st.context, "locale") else ""
    return "zh" if str(locale).lower().startswith("zh") else "en"


def t(key: str, **values: object) -> str:
    """The string for `key` in the session's language, with {placeholders} filled in."""
    return t_in(current_language(), key, **values)


def t_in(lang: str, key: str, **values: object) -> str:
    """The string for `key` in `lang` ("zh" or "en"), whatever the session's language (a preview)."""
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def language_switch(where: DeltaGenerator | None = None) -> None:
    """A 中文 / English switch, in the sidebar unless placed elsewhere; the choice holds for the session.

    The language lives in a plain session key; the widget only shows it and writes it back, so it
    keeps showing the choice on every page (widget state does not carry across pages).

    Args:
        where: The container to draw it in (a respondent page's top, with no label); None: the sidebar.
    """
    st.session_state[LANG_KEY] = current_language()
    (where or st.sidebar).segmented_control(
        t("app.language"),
        list(LANGUAGES),
        default=st.session_state[LANG_KEY],
        format_func=LANGUAGES.__getitem__,
        key=SWITCH_KEY,
        on_change=_keep_a_language,
        label_visibility="visible" if where is None else "collapsed",
    )


def _keep_a_language() -> None:
    # A click on the selected option clears a segmented control: keep the language then.
    chosen = st.session_state.get(SWITCH_KEY)
    if chosen in LANGUAGES:
        st.session_state[LANG_KEY] = chosen
