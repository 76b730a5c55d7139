"""Admin: staff accounts and roles, products and rounds, API keys, the audit log."""

import pandas as pd
import streamlit as st

from db.models import API_SCOPES, ROLES
from db.settings import accept_secret, check_secret
from db.users import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    audit,
    create_user,
    list_users,
    recent_audit,
    update_user,
)
from db.workspace import DOMAINS, WorkspaceError, create_product, create_round, list_products
from services.api_keys import ApiKeyError, create_key, list_keys, revoke_key
from ui import nav, roles
from ui.i18n import t
from ui.page import open_page
from ui.plain_text import plain
from ui.resources import transaction, write

user = open_page(nav.ADMIN, title_key="admin.title").user


def render_secret() -> None:
    """When the pseudonym secret changed: accept the new one, after confirming (app.py warns first)."""
    if st.session_state.pop("admin_secret_accepted", False):
        st.success(t("secret.accepted"))
    try:
        with transaction() as session:
            changed = check_secret(session).changed
    except (OSError, ValueError):
        return  # app.py already shows why the secret cannot be read
    if not changed:
        return
    with st.form("admin_secret"):
        st.markdown(f"**{t('secret.accept_title')}**")
        st.caption(t("secret.accept_explain"))
        confirmed = st.checkbox(t("secret.accept_confirm"), key="admin_secret_confirm")
        if st.form_submit_button(t("secret.accept")):
            if not confirmed:
                st.error(t("browser.forget_unconfirmed"))
                return
            with transaction() as session:
                accept_secret(session, user.username)
            st.session_state["admin_secret_accepted"] = True
            st.rerun()


render_secret()
users_tab, workspace_tab, keys_tab, audit_tab = st.tabs(
    [t("admin.users"), t("admin.workspace"), t("apikeys.tab"), t("admin.audit")]
)


def render_users() -> None:
    """The users tab: staff accounts with role and last login; forms to add one or change its role.

    A change reruns the page, so the table and the list of users to edit show it at once.
    """
    if message := st.session_state.pop("admin_users_message", None):
        st.success(message)
    with transaction() as session:
        rows = [(u.id, u.username, u.role, u.is_active, u.last_login_at) for u in list_users(session)]
    st.dataframe(
        pd.DataFrame(
            [(name, t(f"role.{role}"), active, last) for _, name, role, active, last in rows],
            columns=[t("auth.username"), t("admin.role"), t("admin.active"), t("admin.last_login")],
        ),
        hide_index=True,
    )
    with st.form("admin_new_user", clear_on_submit=True):
        st.markdown(f"**{t('admin.new_user')}**")
        username = st.text_input(t("auth.username"), key="admin_new_username")
        password = st.text_input(
            t("auth.password"),
            type="password",
            key="admin_new_password",
            help=t("auth.password_help", n=MIN_PASSWORD_LENGTH),
        )
        email = st.text_input(t("admin.email"), key="admin_new_email")
        role = st.selectbox(
            t("admin.role"),
            ROLES,
            index=ROLES.index(roles.NEW_USER_ROLE),  # the least a new account can do; raise it on purpose
            format_func=lambda r: t(f"role.{r}"),
            key="admin_new_role",
        )
        if st.form_submit_button(t("admin.create_user")):
            try:
                write(
                    lambda session: create_user(
                        session, username, password, role, actor=user.username, email=email
                    )
                )
            except AccountError as err:
                st.error(t(f"account.{err.code}", n=MIN_PASSWORD_LENGTH))
            else:
                st.session_state["admin_users_message"] = t("admin.user_created", username=username.strip())
                st.rerun()
    with st.form("admin_edit_user"):
        st.markdown(f"**{t('admin.edit_user')}**")
        names = {uid: name for uid, name, *_ in rows}
        target = st.selectbox(
            t("auth.username"), list(names), format_func=names.__getitem__, key="admin_edit_id"
        )
        new_role = st.selectbox(
            t("admin.role"), ROLES, format_func=lambda r: t(f"role.{r}"), key="admin_edit_role"
        )
        active = st.checkbox(t("admin.active"), value=True, key="admin_edit_active")
        new_password = st.text_input(
            t("admin.new_password"),
            type="password",
            key="admin_edit_password",
            help=t("admin.new_password_help", n=MIN_PASSWORD_LENGTH),
        )
        if st.form_submit_button(t("admin.save")):
            try:
                # A new password ends every sign-in of that user, this one too if it is theirs.
                write(
                    lambda session: update_user(
                        session,
                        target,
                        actor=user.username,
                        role=new_role,
                        is_active=active,
                        password=new_password,
                    )
                )
            except AccountError as err:
                st.error(t(f"account.{err.code}", n=MIN_PASSWORD_LENGTH))
            else:
                st.session_state["admin_users_message"] = t("admin.user_updated", username=names[target])
                st.rerun()


def render_workspace() -> None:
    """The workspace tab: a form to add a product with its first round, and the table of products."""
    with st.form("admin_new_product", clear_on_submit=True):
        st.markdown(f"**{t('admin.new_product')}**")
        name = st.text_input(t("admin.product_name"), key="admin_product_name")
        domain = st.selectbox(
            t("admin.domain"), DOMAINS, format_func=lambda d: t(f"domain.{d}"), key="admin_domain"
        )
        round_name = st.text_input(
            t("admin.first_round"), key="admin_round_name", value=t("admin.round_default")
        )
        if st.form_submit_button(t("admin.create_product")):
            try:
                with transaction() as session:
                    product = create_product(session, name, domain)
                    create_round(session, product.id, round_name)
                    audit(
                        session,
                        user.username,
                        "product.create",
                        "product",
                        product.id,
                        {"name": product.name},
                    )
                st.success(t("admin.product_created", name=plain(name.strip())))
            except WorkspaceError as err:
                st.error(t(f"workspace.{err.code}"))
    with transaction() as session:
        products = [(p.name, t(f"domain.{p.domain}"), p.is_demo) for p in list_products(session)]
    st.dataframe(
        pd.DataFrame(products, columns=[t("admin.product_name"), t("admin.domain"), t("demo.tag")]),
        hide_index=True,
    )


def render_api_keys() -> None:
    """The API keys tab: make a key for a product (shown once), the list of keys, revoking one."""
    st.caption(t("apikeys.explain"))
    if made := st.session_state.pop("admin_api_key_made", None):  # shown on this run only
        st.success(t("apikeys.created"))
        st.code(made, language=None)
    if message := st.session_state.pop("admin_api_key_message", None):
        st.success(message)
    with transaction() as session:
        products = {p.id: p.name for p in list_products(session)}
        keys = list_keys(session)
    if not products:
        st.info(t("apikeys.no_products"))
    else:
        with st.form("admin_new_api_key", clear_on_submit=True):
            st.markdown(f"**{t('apikeys.new')}**")
            product_id = st.selectbox(
                t("apikeys.product"),
                list(products),
                format_func=products.__getitem__,
                key="admin_key_product",
            )
            scopes = st.multiselect(
                t("apikeys.scopes"),
                API_SCOPES,
                default=["feedback:write"],
                format_func=lambda s: f"{s} ({t(f'apikeys.scope.{s}')})",
                key="admin_key_scopes",
            )
            label = st.text_input(t("apikeys.name"), key="admin_key_name", max_chars=120)
            if st.form_submit_button(t("apikeys.create")):
                try:
                    new = write(
                        lambda session: create_key(
                            session, str(product_id), scopes, actor=user.username, name=label
                        )
                    )
                except ApiKeyError as err:
                    st.error(t(f"apikeys.error.{err.code}"))
                else:
                    st.session_state["admin_api_key_made"] = new.secret
                    st.rerun()
    if not keys:
        st.info(t("apikeys.none"))
        return
    st.dataframe(
        pd.DataFrame(
            [
                (
                    k.product,
                    k.name or "",
                    ", ".join(k.scopes),
                    k.prefix,
                    k.created_at,
                    k.created_by,
                    k.last_used_at,
                    k.revoked_at,
                )
                for k in keys
            ],
            columns=[
                t("apikeys.product"),
                t("apikeys.label"),
                t("apikeys.scopes"),
                t("apikeys.prefix"),
                t("apikeys.created_at"),
                t("apikeys.created_by"),
                t("apikeys.last_used"),
                t("apikeys.revoked_at"),
            ],
        ),
        hide_index=True,
    )
    active = {k.id: f"{k.prefix}… · {k.product} · {', '.join(k.scopes)}" for k in keys if k.active}
    if not active:
        return
    with st.form("admin_revoke_api_key"):
        st.markdown(f"**{t('apikeys.revoke_title')}**")
        target = st.selectbox(
            t("apikeys.revoke_pick"), list(active), format_func=active.__getitem__, key="admin_key_revoke"
        )
        confirmed = st.checkbox(t("apikeys.revoke_confirm"), key="admin_key_revoke_confirm")
        if st.form_submit_button(t("apikeys.revoke")):
            if not confirmed:
                st.error(t("apikeys.revoke_unconfirmed"))
                return
            try:
                revoked = write(lambda session: revoke_key(session, target, actor=user.username))
            except ApiKeyError as err:
                st.error(t(f"apikeys.error.{err.code}"))
            else:
                st.session_state["admin_api_key_message"] = t("apikeys.revoked", prefix=plain(revoked.prefix))
                st.rerun()


def render_audit() -> None:
    """The audit tab: the latest audit events, who did what to which object and when."""
    with transaction() as session:
        events = [(e.at, e.actor, e.action, e.object_type, e.object_id) for e in recent_audit(session)]
    st.dataframe(
        pd.DataFrame(
            events, columns=[t("audit.at"), t("audit.actor"), t("audit.action"), t("audit.object"), "id"]
        ),
        hide_index=True,
    )


with users_tab:
    render_users()
with workspace_tab:
    render_workspace()
with keys_tab:
    render_api_keys()
with audit_tab:
    render_audit()
