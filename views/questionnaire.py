"""The satisfaction questionnaire a respondent opens by link, no login: `?wave=<id>&key=<respondent key>`.

One response per respondent per wave: submitting again while the wave is open replaces the earlier
answers, and the respondent is told so before and after; the form then shows their stored answers.
A wave's anonymous link (`?wave=<id>&anonymous=1`) takes one response per browser instead (a cookie).
An invitation link (`?wave=<id>&invite=<token>`, services/sampling_plans.py) stores the answers under the invited
member's key, and thanks the member instead of showing the form once their group's quota is met.
"""

import streamlit as st

from db.surveys import Questionnaire, load_questionnaire
from services.collect import (
    MAX_TEXT,
    SubmissionError,
    has_responded,
    previous_answers,
    submit_response,
)
from services.sampling_plans import invitation_key, submit_invited_response
from ui.i18n import current_language, t
from ui.plain_text import plain
from ui.questions import render_question
from ui.resources import engine, transaction
from ui.respondent import (
    FORM_WIDTH,
    browser_token,
    has_placeholders,
    heading,
    link_param,
    render_placeholder_note,
    render_redaction_note,
    show_placeholders,
    store_placeholders,
)

lang = current_language()
wave_ref = link_param("wave")
anonymous = str(st.query_params.get("anonymous", "")).strip().lower() in ("1", "true", "yes")
raw_key = str(st.query_params.get("key", "")).strip()
invite = link_param("invite")
member_key: str | None = None  # an invitation's member key, already pseudonymised
PREFIX = "questionnaire_"


def render_receipt(status: str, pii_counts: dict[str, int]) -> None:
    """The thank-you after submitting (or note of replaced answers), with a button to change them."""
    st.success(t(f"questionnaire.{'thanks' if status == 'created' else status}"), icon=":material/check:")
    render_redaction_note(pii_counts)
    if st.button(t("questionnaire.change"), key="questionnaire_change"):
        st.session_state.pop(done_key, None)
        st.session_state.pop(filled_key, None)  # the form is filled again from what is stored
        st.rerun()


def question_list(form: Questionnaire, codes: tuple[str, ...]) -> str:
    """The questions of `form` named by `codes`, one per line, in the respondent's language."""
    texts = {q.code: q.text(lang) for q in form.questions}
    return "".join(f"\n- {texts.get(code, code)}" for code in codes)


def fill_in_previous_answers(form: Questionnaire) -> None:
    """Put the respondent's stored answers into the form's widgets, once per visit of the form."""
    with transaction() as session:
        previous = previous_answers(
            session, form.wave_id, raw_key, anonymous=anonymous, stored_key=member_key
        )
    for code, value in previous.items():
        st.session_state[f"{PREFIX}{code}"] = (
            show_placeholders(value, lang) if isinstance(value, str) else value
        )


def scroll_to_first_marked_question() -> None:
    """Bring the first unanswered required question into view: on a phone it is screens above the button."""
    st.html(
        "<script>setTimeout(() => document.querySelector("
        "'[data-testid=\"stWidgetLabel\"] .stMarkdownColoredText')"
        "?.closest('[data-testid=\"stElementContainer\"]')"
        "?.scrollIntoView({block: 'center'}), 300);</script>",
        unsafe_allow_javascript=True,
    )


if not wave_ref:
    heading(t("nav.questionnaire"))
    st.error(t("questionnaire.no_wave"))
    st.stop()

with transaction() as session:
    questionnaire = load_questionnaire(session, int(wave_ref)) if wave_ref.isdigit() else None

if questionnaire is None:
    heading(t("nav.questionnaire"))
    st.error(t("questionnaire.error.wave_unknown"))
    st.stop()
heading(t("questionnaire.title", product=plain(questionnaire.product_name)))
if not questionnaire.is_open:
    st.info(t("questionnaire.error.wave_closed"))
    st.stop()
if anonymous:
    raw_key = browser_token()
if invite:
    invitation = invitation_key(engine(), questionnaire.wave_id, invite)
    if invitation is None:
        st.error(t("questionnaire.error.invitation_unknown"))
        st.stop()
    if invitation.quota_full:
        st.success(t("questionnaire.quota_full"), icon=":material/check:")
        st.stop()
    member_key = invitation.user_key
elif not raw_key:
    st.error(t("questionnaire.error.key_missing"))
    st.stop()

done_key = f"questionnaire_done_{questionnaire.wave_id}"
filled_key = f"questionnaire_filled_{questionnaire.wave_id}"
flagged_key = f"questionnaire_flagged_{questionnaire.wave_id}"
if done_key in st.session_state:
    render_receipt(*st.session_state[done_key])
    st.stop()

with transaction() as session:
    answered_before = has_responded(
        session, questionnaire.wave_id, raw_key, anonymous=anonymous, stored_key=member_key
    )
if answered_before and not st.session_state.get(filled_key):
    fill_in_previous_answers(questionnaire)
    st.session_state[filled_key] = True

st.caption(t("questionnaire.intro"))
if anonymous:
    st.caption(t("questionnaire.anonymous"))
if answered_before:
    st.info(t("questionnaire.answered_before"))
flagged: tuple[str, ...] = st.session_state.get(flagged_key, ())
# enter_to_submit off: no "Press Ctrl+Enter to submit form" (English, and no use on a phone).
with st.form("questionnaire_form", border=False, width=FORM_WIDTH, enter_to_submit=False):
    answers = {
        question.code: render_question(question, lang, PREFIX, flagged=question.code in flagged)
        for question in questionnaire.questions
    }
    if any(isinstance(a, str) and has_placeholders(a, lang) for a in answers.values()):
        render_placeholder_note()
    submitted = st.form_submit_button(t("questionnaire.submit"), type="primary", width="stretch")

if submitted:
    st.session_state.pop(flagged_key, None)
    answers = {code: store_placeholders(a, lang) if isinstance(a, str) else a for code, a in answers.items()}
    try:
        if invite:
            receipt = submit_invited_response(engine(), questionnaire.wave_id, invite, answers, lang)
        else:
            receipt = submit_response(
                engine(), questionnaire.wave_id, raw_key, answers, lang, anonymous=anonymous
            )
    except SubmissionError as err:
        if err.code == "quota_full":  # the group filled up while this member was answering
            st.success(t("questionnaire.quota_full"), icon=":material/check:")
            st.stop()
        if err.code == "missing":  # drawn again, with the unanswered questions marked
            st.session_state[flagged_key] = err.questions
            st.rerun()
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
elif flagged:
    st.error(t("questionnaire.error.missing", questions=question_list(questionnaire, flagged)))
    st.caption(t("collect.nothing_stored"))
    scroll_to_first_marked_question()
