"""A question's widget as a respondent sees it: the questionnaire page and the builder's preview draw it."""

from __future__ import annotations

import streamlit as st

from analytics.questions import YES_NO, QuestionSpec
from services.collect import MAX_TEXT
from ui.i18n import t_in
from ui.plain_text import plain


def render_question(
    question: QuestionSpec, lang: str, key_prefix: str, *, disabled: bool = False, flagged: bool = False
) -> object:
    """One question's widget; nothing is preselected, so a required answer is a real answer.

    Args:
        question: The question to draw.
        lang: "zh" or "en": the language of its wording and scale words.
        key_prefix: Start of the widget key (the question's code follows), unique on the page.
        disabled: Draw it read-only (the survey builder's preview).
        flagged: Mark it as a required question left unanswered: a red sign before its wording and a
            red line under it.

    Returns:
        The widget's value: None when unanswered, a number, an option number, a list of option
        numbers (multiple choice) or the text.
    """
    value = _widget(question, lang, key_prefix, disabled, flagged)
    if flagged:
        st.markdown(f":red[{t_in(lang, 'questionnaire.answer_needed')}]")
    return value


def _widget(question: QuestionSpec, lang: str, key_prefix: str, disabled: bool, flagged: bool) -> object:
    # Widget labels, options and captions render Markdown: survey authors' words are shown as typed.
    label = plain(question.text(lang)) + (" \\*" if question.required else "")
    if flagged:  # the sign is outside the wording, so no wording can break the markup
        label = f":red[:material/error:] {label}"
    key = f"{key_prefix}{question.code}"
    if question.kind == "text":
        return st.text_area(label, max_chars=MAX_TEXT, key=key, disabled=disabled)
    if question.kind == "number":
        return st.number_input(label, value=None, key=key, disabled=disabled)
    if question.kind in ("single", "multi"):
        numbers = list(range(1, len(question.options) + 1))
        words = {i: plain(question.options[i - 1].text(lang)) for i in numbers}
        if question.kind == "single":
            return st.radio(
                label, numbers, index=None, format_func=words.__getitem__, key=key, disabled=disabled
            )
        return st.pills(
            label,
            numbers,
            selection_mode="multi",
            format_func=words.__getitem__,
            key=key,
            disabled=disabled,
        )
    if question.kind == "yes_no":
        said = {value: zh if lang == "zh" else en for value, zh, en in YES_NO}
        return st.radio(
            label,
            list(said),
            index=None,
            horizontal=True,
            format_func=said.__getitem__,
            key=key,
            disabled=disabled,
        )
    low, high = (int(v) for v in question.value_range or (0, 10))
    options = list(range(low, high + 1))
    if question.kind == "scale":  # every point named
        captions = [plain(word) for word in question.point_words(lang)]
        return st.radio(
            label, options, index=None, horizontal=True, captions=captions, key=key, disabled=disabled
        )
    # 0-10: plain digits wrap evenly on a phone; the two ends are named below
    value = st.radio(label, options, index=None, horizontal=True, key=key, disabled=disabled)
    st.caption(t_in(lang, "questionnaire.nps_anchors", low=low, high=high))
    return value
