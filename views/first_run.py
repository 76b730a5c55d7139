"""First run: create the first admin account (there is no default password anywhere)."""

import streamlit as st

from db.users import MIN_PASSWORD_LENGTH, AccountError
from services.accounts import open_session, set_up_first_admin
from ui import auth
from ui.i18n import t
from ui.resources import engine

st.title(t("first_run.title"))
st.write(t("first_run.intro"))

with st.form("first_run_form"):
    username = st.text_input(t("auth.username"), key="first_run_username")
    password = st.text_input(
        t("auth.password"),
        type="password",
        key="first_run_password",
        help=t("auth.password_help", n=MIN_PASSWORD_LENGTH),
    )
    confirm = st.text_input(t("auth.password_confirm"), type="password", key="first_run_confirm")
    submitted = st.form_submit_button(t("first_run.create"), type="primary")

if submitted:
    if password != confirm:
        st.error(t("auth.password_mismatch"))
        st.stop()
    try:
        admin = set_up_first_admin(engine(), username, password)
    except AccountError as err:
        st.error(t(f"account.{err.code}", n=MIN_PASSWORD_LENGTH))
        st.stop()
    session_id, ticket = open_session(engine(), admin.id)
    auth.sign_in(admin.id, admin.username, admin.role, session_id)  # only once the account is committed
    auth.hand_to_browser(ticket)
    st.rerun()
