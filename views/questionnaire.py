"""The satisfaction questionnaire a respondent opens by link, no login: `?wave=<id>&key=<respondent key>`.

One response per respondent per wave: submitting again while the wave is open replaces the earlier
answers, and the respondent is told so before and after.
"""

import streamlit as st

from db.surveys import Questionnaire, load_questionnaire
from services.collect import MAX_TEXT, SubmissionError, has_responded, submit_response
from ui.i18n import current_language, t
from ui.questions import render_question
from ui.resources import engine, transaction
from ui.respondent import FORM_WIDTH, heading, link_param, render_redaction_note

lang = current_language()
wave_ref = link_param("wave")
raw_key = str(st.query_params.get("key", "")).strip()


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
    answers = {
        question.code: render_question(question, lang, "questionnaire_")
        for question in questionnaire.questions
    }
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
