"""In-app feedback, no login: a 1-5 star rating, an optional hint and comment, sent from inside the product.

The product links here with `?product=<id or name>&app_version=..&model_version=..&key=..&lang=zh&embed=true`.
One token per filled-in form: a double click or a resent request stores the feedback once.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from analytics.vocabulary import CATEGORIES
from db.workspace import find_product
from services.collect import MAX_TEXT, InAppFeedback, SubmissionError, submit_in_app_feedback
from ui.i18n import current_language, t
from ui.resources import engine, transaction
from ui.respondent import (
    FORM_WIDTH,
    has_placeholders,
    heading,
    link_param,
    render_placeholder_note,
    render_redaction_note,
    show_placeholders,
)

st.session_state.setdefault("inapp_token", uuid.uuid4().hex)
params = st.query_params


def new_form() -> None:
    """Start a fresh form with a fresh token (the button after a receipt)."""
    for key in ("inapp_receipt", "inapp_sent_at", "inapp_rating", "inapp_category", "inapp_comment"):
        st.session_state.pop(key, None)
    st.session_state["inapp_token"] = uuid.uuid4().hex


def render_receipt(receipt: dict[str, Any]) -> None:
    """The thank-you after sending: the comment as stored, what was redacted, and a button for a new form."""
    st.success(t("inapp.duplicate") if receipt["duplicate"] else t("inapp.thanks"), icon=":material/check:")
    if receipt["text"]:
        st.caption(t("inapp.stored_comment"))
        shown = show_placeholders(receipt["text"], current_language())
        st.text(shown)  # as text: markup in a comment is never rendered
        if has_placeholders(shown, current_language()):
            render_placeholder_note()
    render_redaction_note(receipt["pii_counts"])
    st.button(t("inapp.another"), key="inapp_another", on_click=new_form)


product_ref = link_param("product")
with transaction() as session:
    product = find_product(session, product_ref) if product_ref else None
    product_id, product_name = (product.id, product.name) if product else (None, None)

heading(t("inapp.title"))
if product_id is None:
    st.error(t("inapp.error.product_unknown") if product_ref else t("inapp.no_product"))
    st.stop()

receipt = st.session_state.get("inapp_receipt")
if receipt is not None and receipt["product_id"] == product_id:
    render_receipt(receipt)
    st.stop()

# enter_to_submit off: no "Press Ctrl+Enter to submit form" (English, and no use on a phone).
with st.form("inapp_form", border=False, width=FORM_WIDTH, enter_to_submit=False):
    st.markdown(t("inapp.intro", product=product_name))
    stars = st.feedback("stars", key="inapp_rating")
    category = st.pills(
        t("inapp.category"), CATEGORIES, format_func=lambda c: t(f"inapp.kind.{c}"), key="inapp_category"
    )
    comment = st.text_area(
        t("inapp.comment"),
        max_chars=MAX_TEXT,
        placeholder=t("inapp.comment_placeholder"),
        key="inapp_comment",
    )
    st.caption(t("inapp.privacy"))
    submitted = st.form_submit_button(t("inapp.submit"), type="primary", width="stretch")

if submitted:
    feedback = InAppFeedback(
        product_id=product_id,
        token=st.session_state["inapp_token"],
        # Fixed at the first click: a second click sends the very same submission, stored once.
        submitted_at=st.session_state.setdefault("inapp_sent_at", datetime.now(UTC)),
        rating=None if stars is None else stars + 1,  # the widget counts stars from 0
        comment=comment or "",
        category=category,
        respondent_key=params.get("key"),
        app_version=params.get("app_version"),
        model_version=params.get("model_version"),
        segment=params.get("segment"),
        language=current_language(),
    )
    try:
        stored = submit_in_app_feedback(engine(), feedback)
    except SubmissionError as err:
        st.session_state.pop("inapp_sent_at", None)  # nothing was stored: the corrected form is new
        st.error(t(f"inapp.error.{err.code}", n=MAX_TEXT))
        st.caption(t("collect.nothing_stored"))
    else:
        st.session_state["inapp_receipt"] = {
            "product_id": product_id,
            "duplicate": stored.duplicate,
            "text": stored.text,
            "pii_counts": stored.pii_counts,
        }
        st.rerun()
