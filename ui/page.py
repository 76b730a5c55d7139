"""The header every staff page starts with: role check, title, intro, and the workspace it works on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, overload

import streamlit as st

from ui import auth, roles, workspace
from ui.auth import SignedIn
from ui.i18n import current_language, t
from ui.nav import PageSpec
from ui.plain_text import plain
from ui.workspace import Selection

SelectionT = TypeVar("SelectionT", bound=Selection | None)


@dataclass(frozen=True)
class PageContext(Generic[SelectionT]):
    """What a staff page knows once its header is drawn.

    Attributes:
        user: The signed-in user, who has one of the page's roles.
        can_edit: Whether the user may change data (ui/roles.py).
        lang: The session's language, "zh" or "en".
        selection: The product and round picked in the sidebar; never None on a page that needs one.
    """

    user: SignedIn
    can_edit: bool
    lang: str
    selection: SelectionT


@overload
def open_page(
    spec: PageSpec,
    *,
    title_key: str,
    intro_key: str | None = None,
    no_workspace_key: str,
    product_as_title: Literal[False] = False,
) -> PageContext[Selection]: ...


@overload
def open_page(
    spec: PageSpec,
    *,
    title_key: str,
    intro_key: str | None = None,
    no_workspace_key: None = None,
    product_as_title: bool = False,
) -> PageContext[Selection | None]: ...


def open_page(
    spec: PageSpec,
    *,
    title_key: str,
    intro_key: str | None = None,
    no_workspace_key: str | None = None,
    product_as_title: bool = False,
) -> PageContext[Selection] | PageContext[Selection | None]:
    """Start a staff page: check the role, draw the title and intro, find the workspace.

    Refuses (an error, then st.stop()) a visitor who is not logged in or whose role is not among
    the page's navigation roles, so a page opened by URL or run on its own is guarded too.

    Args:
        spec: The page's entry in ui/nav.py; its roles decide who may open the page.
        title_key: String key of the page's title.
        intro_key: String key of a caption under the title, if the page has one.
        no_workspace_key: String key of the message shown, before the page stops, when there is no
            product to work on. None: the page also works without a product.
        product_as_title: Title the page with the selected product's name (title_key when there
            is none).

    Returns:
        The user, what the user may do, the language and the selected product and round.

    Raises:
        ValueError: `spec` is not a staff page (open to anyone without login).
    """
    if spec.roles == roles.ANYONE:
        raise ValueError(f"{spec.path} is open without login: it has no staff header")
    user = auth.require_role(*spec.roles)
    selection = workspace.current()
    st.title(plain(selection.product_name) if product_as_title and selection else t(title_key))
    if intro_key is not None:
        st.caption(t(intro_key))
    if selection is None and no_workspace_key is not None:
        st.info(t(no_workspace_key))
        st.stop()
    return PageContext(user, roles.can_edit(user), current_language(), selection)
