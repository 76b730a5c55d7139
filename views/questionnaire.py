"""The satisfaction questionnaire a respondent opens by link, no login: `?wave=<id>&key=<respondent key>`.

One response per respondent per wave: submitting again while the wave is open replaces the earlier
answers, and the respondent is told so before and after.
"""

import streamlit as st

from analytics.questions import YES_NO, QuestionSpec
from db.surveys import Questionnaire, load_questionnaire
from services.collect import MAX_TEXT, SubmissionError, has_responded, submit_response
from ui.i18n import current_language, t
from ui.resources import engine, transaction
from ui.respondent import FORM_WIDTH, heading, render_redaction_note

lang = current_language()
wave_ref = str(st.query_params.get("wave", "")).strip()
raw_key = str(st.query_params.get("key", "")).strip()


def render_question(question: QuestionSpec) -> object:
    """One question's widget; nothing is preselected, so a required answer is a real answer."""
    label = question.text(lang) + (" \\*" if question.required else "")
    key = f"questionnaire_{question.code}"
    if question.kind == "text":
        return st.text_area(label, max_chars=MAX_TEXT, key=key)
    if question.kind == "number":
        return st.number_input(label, value=None, key=key)
    if question.kind in ("single", "multi"):
        numbers = list(range(1, len(question.options) + 1))
        words = {i: question.options[i - 1].text(lang) for i in numbers}
        if question.kind == "single":
            return st.radio(label, numbers, index=None, format_func=words.__getitem__, key=key)
        return st.pills(label, numbers, selection_mode="multi", format_func=words.__getitem__, key=key)
    if question.kind == "yes_no":
        said = {value: zh if lang == "zh" else en for value, zh, en in YES_NO}
        return st.radio(label, list(said), index=None, horizontal=True, format_func=said.__getitem__, key=key)
    low, high = (int(v) for v in question.value_range or (0, 10))
    options = list(range(low, high + 1))
    if question.kind == "scale":  # every point named
        captions = list(question.point_words(lang))
        return st.radio(label, options, index=None, horizontal=True, captions=captions, key=key)
    # 0-10: plain digits wrap evenly on a phone; the two ends are named below
    value = st.radio(label, options, index=None, horizontal=True, key=key)
    st.caption(t("questionnaire.nps_anchors", low=low, high=high))
    return value


def render_receipt(status: str, pii_counts: dict[str, int]) -> None:
    """The thank-you after submitting (or note of replaced answers), with a button to change them."""
    st.success(t(f"questionnaire.{'thanks' if status == 'created' else status}"), icon=":material/check:")
    render_redaction_note(pii_counts)
    if st.button(t("questionnaire.change"), key="questionnaire_change"):
        st.session_state.pop(done_key, None)
        st.rerun()


def question_list(form: Questionnaire, codes: tuple[str, ...]) -> str:
    """The questions of `form` named by `codes`, one per line, in the respondent's language."""
    texts = {q.code: q.text(lang) for q in form.questions}
    return "".join(f"\n- {texts.get(code, code)}" for code in codes)


if not wave_ref:
    heading(t("nav.questionnaire"))
    st.error(t("questionnaire.no_wave"))
    st.stop()

with transaction() as session:
    questionnaire = load_questionnaire(session, int(wave_ref)) if wave_ref.isdigit() else None
    answered_before = bool(
        questionnaire
        and questionnaire.is_open
        and raw_key
        and has_responded(session, questionnaire.wave_id, raw_key)
    )

if questionnaire is None:
    heading(t("nav.questionnaire"))
    st.error(t("questionnaire.error.wave_unknown"))
    st.stop()
heading(t("questionnaire.title", product=questionnaire.product_name))
if not questionnaire.is_open:
    st.info(t("questionnaire.error.wave_closed"))
    st.stop()
if not raw_key:
    st.error(t("questionnaire.error.key_missing"))
    st.stop()

done_key = f"questionnaire_done_{questionnaire.wave_id}"
if done_key in st.session_state:
    render_receipt(*st.session_state[done_key])
    st.stop()

st.caption(t("questionnaire.intro"))
if answered_before:
    st.info(t("questionnaire.answered_before"))
with st.form("questionnaire_form", border=False, width=FORM_WIDTH):
    answers = {question.code: render_question(question) for question in questionnaire.questions}
    submitted = st.form_submit_button(t("questionnaire.submit"), type="primary", width="stretch")

if submitted:
    try:
        receipt = submit_response(engine(), questionnaire.wave_id, raw_key, answers, lang)
    except SubmissionError as err:
        st.error(
            t(
                f"questionnaire.error.{err.code}",
                questions=question_list(questionnaire, err.questions),
                n=MAX_TEXT,
            )
        )
        st.caption(t("collect.nothing_stored"))
    else:
        st.session_state[done_key] = (receipt.status, receipt.pii_counts)
        st.rerun()
