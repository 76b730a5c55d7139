"""Staff login, throttled against guessing; on the page the visitor asked for, which opens once signed in."""

from datetime import UTC, datetime

import streamlit as st

from services.accounts import sign_in
from ui import auth, sso
from ui.i18n import t
from ui.resources import engine

st.title(t("login.title"))

with st.form("login_form"):
    username = st.text_input(t("auth.username"), key="login_username")
    password = st.text_input(t("auth.password"), type="password", key="login_password")
    submitted = st.form_submit_button(t("auth.login"), type="primary")
sso.login_button()

if submitted:
    # Signed in only once the login (its audit event and its session) is committed.
    result = sign_in(engine(), username, password, st.context.ip_address)
    if result.user_id is None and result.locked_until is not None:
        wait = max(1, int((result.locked_until - datetime.now(UTC)).total_seconds() + 0.999))
        st.error(t("login.locked", seconds=wait, at=result.locked_until.strftime("%H:%M:%S")))
    elif result.user_id is None:
        st.error(t("login.failed"))
    else:
        auth.sign_in(result.user_id, result.username, result.role, result.session_id)
        auth.hand_to_browser(result.ticket)
        st.rerun()
