"""Rectify: entry point. Page config, database check, language, login and role-aware navigation."""

from pathlib import Path

import streamlit as st

from db.engine import DatabaseProblem
from db.settings import check_secret
from db.users import count_users
from ui import auth, nav, roles, workspace
from ui.i18n import language_switch, t
from ui.own_password import own_password_form
from ui.plain_text import plain
from ui.resources import engine, show_database_problem, transaction

st.set_page_config(
    page_title="Rectify",
    page_icon=":material/fact_check:",
    layout="wide",
    initial_sidebar_state=workspace.SIDEBAR_WIDTH,
)


try:
    engine()
    with transaction() as session:
        has_users = count_users(session) > 0
    user = auth.restore() if has_users else None
except DatabaseProblem as problem:
    language_switch()
    st.title("Rectify")
    show_database_problem(problem)
    st.stop()

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


def _forbidden() -> None:
    # A page of another role, opened by URL or bookmark: say so, and keep the user signed in.
    st.error(t("auth.forbidden"))


pages: dict[str, list[st.Page]] = {}
for i, spec in enumerate(nav.pages_for(user.role if user else None, has_users)):
    section = t(spec.section) if spec.section and user is not None else ""
    pages.setdefault(section, []).append(
        st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, default=i == 0)
    )
# Staff pages outside the navigation keep their address: a visitor who is not signed in gets the
# login form there (and the page itself once signed in), a role that may not open it a message.
if has_users:
    for spec in nav.STAFF_PAGES:
        if user is not None and user.role in spec.roles:
            continue
        pages.setdefault("", []).append(
            st.Page(
                nav.LOGIN.path if user is None else _forbidden,
                title=t(spec.title_key),
                url_path=Path(spec.path).stem,
                visibility="hidden",
            )
        )

# Respondent pages open by link or inside the product: no staff navigation, login link or sidebar there
# (they draw their own language switch). Which page the URL asks for is known only from st.navigation,
# so it is first called hidden.
current = st.navigation(pages, position="hidden")
if not nav.is_respondent_page(current.url_path):
    if auth.follow_pending():
        st.stop()  # the browser is on its way through the cookie route and back
    language_switch()
    current = st.navigation(pages, expanded=True)
    auth.show_notice()
    if user is not None:
        with st.sidebar:
            workspace.picker()
            st.caption(t("auth.signed_in_as", username=plain(user.username), role=t(f"role.{user.role}")))
            if st.button(t("auth.logout"), key="app_logout", icon=":material/logout:"):
                auth.sign_out()
                st.rerun()
            own_password_form(user)

try:
    current.run()
except DatabaseProblem as problem:  # e.g. the file turned read-only or the server went away mid-session
    show_database_problem(problem)
