"""Rectify: entry point. Page config, database check, language, login and role-aware navigation."""

import streamlit as st

from db.engine import DatabaseProblem
from db.settings import check_secret
from db.users import count_users, get_user
from ui import auth, nav, roles, workspace
from ui.i18n import language_switch, t
from ui.plain_text import plain
from ui.resources import engine, show_database_problem, transaction

st.set_page_config(page_title="Rectify", page_icon=":material/fact_check:", layout="wide")


try:
    engine()
    with transaction() as session:
        has_users = count_users(session) > 0
        signed_in = auth.current_user()
        if signed_in is not None:
            fresh = get_user(session, signed_in.id)
            if fresh is None or not fresh.is_active:
                auth.sign_out()
            elif fresh.role != signed_in.role:
                auth.sign_in(fresh.id, fresh.username, fresh.role)  # role changed by an admin
except DatabaseProblem as problem:
    language_switch()
    st.title("Rectify")
    show_database_problem(problem)
    st.stop()

user = auth.current_user()
if user is not None and roles.is_admin(user):
    # A changed pseudonym secret breaks pairing and deletion silently: admins are told at once.
    try:
        with transaction() as session:
            secret = check_secret(session)
    except (OSError, ValueError) as err:
        st.error(t("secret.unreadable", error=str(err)))
    else:
        if secret.changed:
            st.warning(
                t("secret.changed", source=secret.source, current=secret.current, stored=secret.stored)
            )

pages: dict[str, list[st.Page]] = {}
for i, spec in enumerate(nav.pages_for(user.role if user else None, has_users)):
    section = t(spec.section) if spec.section and user is not None else ""
    pages.setdefault(section, []).append(
        st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, default=i == 0)
    )

# Respondent pages open by link or inside the product: no staff navigation, login link or sidebar there
# (they draw their own language switch). Which page the URL asks for is known only from st.navigation,
# so it is first called hidden.
current = st.navigation(pages, position="hidden")
if not nav.is_respondent_page(current.url_path):
    language_switch()
    current = st.navigation(pages)
    if user is not None:
        with st.sidebar:
            workspace.picker()
            st.caption(t("auth.signed_in_as", username=plain(user.username), role=t(f"role.{user.role}")))
            if st.button(t("auth.logout"), key="app_logout", icon=":material/logout:"):
                auth.sign_out()
                st.rerun()

try:
    current.run()
except DatabaseProblem as problem:  # e.g. the file turned read-only or the server went away mid-session
    show_database_problem(problem)
