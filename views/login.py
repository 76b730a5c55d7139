"""Staff login."""

import streamlit as st

from db.users import authenticate
from ui import auth
from ui.i18n import t
from ui.resources import transaction

st.title(t("login.title"))

with st.form("login_form"):
    username = st.text_input(t("auth.username"), key="login_username")
    password = st.text_input(t("auth.password"), type="password", key="login_password")
    submitted = st.form_submit_button(t("auth.login"), type="primary")

if submitted:
    with transaction() as session:
        user = authenticate(session, username, password)
    # Signed in only once the login (and its audit event) is committed.
    if user is None:
        st.error(t("login.failed"))
    else:
        auth.sign_in(user.id, user.username, user.role)
        st.rerun()
