"""Which pages each visitor may see. A page missing from the navigation cannot be opened by URL either."""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    path: str
    title_key: str
    icon: str
    roles: tuple[str, ...]  # empty: open to respondents without login
    section: str = ""  # string key of the navigation group; "" for the top


STAFF = ("admin", "analyst", "viewer")
STAFF_PAGES = (
    PageSpec("views/home.py", "nav.home", ":material/home:", STAFF),
    PageSpec(
        "views/import_feedback.py",
        "nav.import_feedback",
        ":material/upload_file:",
        ("admin", "analyst"),
        "nav.section_collect",
    ),
    PageSpec(
        "views/feedback_browser.py",
        "nav.feedback_browser",
        ":material/manage_search:",
        STAFF,
        "nav.section_collect",
    ),
    PageSpec(
        "views/pain_points.py", "nav.pain_points", ":material/troubleshoot:", STAFF, "nav.section_analyse"
    ),
    PageSpec("views/items.py", "nav.items", ":material/assignment:", STAFF, "nav.section_analyse"),
    PageSpec(
        "views/before_after.py", "nav.before_after", ":material/compare_arrows:", STAFF, "nav.section_analyse"
    ),
    PageSpec("views/surveys.py", "nav.surveys", ":material/ballot:", ("admin",), "nav.section_admin"),
    PageSpec(
        "views/admin.py", "nav.admin", ":material/admin_panel_settings:", ("admin",), "nav.section_admin"
    ),
)
FIRST_RUN = PageSpec("views/first_run.py", "nav.first_run", ":material/rocket_launch:", ())
LOGIN = PageSpec("views/login.py", "nav.login", ":material/login:", ())
# Open without login, by link or embedded in the product; staff see them too, to try a link.
RESPONDENT_PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "views/feedback.py", "nav.inapp_feedback", ":material/rate_review:", (), "nav.section_respondents"
    ),
    PageSpec("views/questionnaire.py", "nav.questionnaire", ":material/quiz:", (), "nav.section_respondents"),
)


def pages_for(role: str | None, has_users: bool) -> list[PageSpec]:
    """The pages in the navigation of a visitor with `role` (None: not logged in)."""
    if not has_users:
        return [FIRST_RUN]
    if role is None:
        return [LOGIN, *RESPONDENT_PAGES]
    return [*(page for page in STAFF_PAGES if role in page.roles), *RESPONDENT_PAGES]
