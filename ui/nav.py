"""Which pages each visitor may see. A page missing from the navigation cannot be opened by URL either."""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    path: str
    title_key: str
    icon: str
    roles: tuple[str, ...]  # empty: open to respondents without login


STAFF = ("admin", "analyst", "viewer")
STAFF_PAGES = (
    PageSpec("pages/home.py", "nav.home", ":material/home:", STAFF),
    PageSpec("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", ("admin",)),
)
FIRST_RUN = PageSpec("pages/first_run.py", "nav.first_run", ":material/rocket_launch:", ())
LOGIN = PageSpec("pages/login.py", "nav.login", ":material/login:", ())
RESPONDENT_PAGES: tuple[PageSpec, ...] = ()  # surveys and in-app feedback; open without login


def pages_for(role: str | None, has_users: bool) -> list[PageSpec]:
    """The pages in the navigation of a visitor with `role` (None: not logged in)."""
    if not has_users:
        return [FIRST_RUN]
    if role is None:
        return [LOGIN, *RESPONDENT_PAGES]
    return [page for page in STAFF_PAGES if role in page.roles]
