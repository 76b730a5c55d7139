"""Which pages each visitor may see. A page missing from the navigation cannot be opened by URL either.

A staff page's `roles` here are also the roles its header lets in (ui/page.py), so the two cannot differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ui import roles


class PageSpec(NamedTuple):
    """One page of the navigation.

    Attributes:
        path: The page script, relative to the repository root.
        title_key: String key of its name in the navigation.
        icon: Its Material icon.
        roles: The role group that may open it (ui/roles.py); roles.ANYONE: respondents, no login.
        section: String key of its navigation group; "" for the top.
    """

    path: str
    title_key: str
    icon: str
    roles: tuple[str, ...]
    section: str = ""


HOME = PageSpec("views/home.py", "nav.home", ":material/home:", roles.STAFF)
IMPORT_FEEDBACK = PageSpec(
    "views/import_feedback.py",
    "nav.import_feedback",
    ":material/upload_file:",
    roles.EDITORS,
    "nav.section_collect",
)
IMPORT_SURVEY = PageSpec(
    "views/import_survey.py",
    "nav.import_survey",
    ":material/upload:",
    roles.EDITORS,
    "nav.section_collect",
)
FEEDBACK_BROWSER = PageSpec(
    "views/feedback_browser.py",
    "nav.feedback_browser",
    ":material/manage_search:",
    roles.STAFF,
    "nav.section_collect",
)
PAIN_POINTS = PageSpec(
    "views/pain_points.py", "nav.pain_points", ":material/troubleshoot:", roles.STAFF, "nav.section_analyse"
)
ITEMS = PageSpec("views/items.py", "nav.items", ":material/assignment:", roles.STAFF, "nav.section_analyse")
BEFORE_AFTER = PageSpec(
    "views/before_after.py",
    "nav.before_after",
    ":material/compare_arrows:",
    roles.STAFF,
    "nav.section_analyse",
)
# Every staff role reads alerts; editors acknowledge and close them, admins manage webhook URLs.
ALERTS = PageSpec(
    "views/alerts.py", "nav.alerts", ":material/notifications_active:", roles.STAFF, "nav.section_analyse"
)
BENCHMARKS = PageSpec(
    "views/benchmarks.py", "nav.benchmarks", ":material/model_training:", roles.STAFF, "nav.section_analyse"
)
POPULATION = PageSpec(
    "views/population.py",
    "nav.population",
    ":material/groups:",
    roles.STAFF,
    "nav.section_collect",
)
# Every staff role reads surveys; admins and analysts build them (roles.can_build_surveys).
SURVEYS = PageSpec("views/surveys.py", "nav.surveys", ":material/ballot:", roles.STAFF, "nav.section_collect")
# Every staff role reads plans and tracking; admins and analysts draw invitations (roles.can_edit).
SAMPLING = PageSpec(
    "views/sampling.py", "nav.sampling", ":material/group_add:", roles.STAFF, "nav.section_collect"
)
ADMIN = PageSpec(
    "views/admin.py", "nav.admin", ":material/admin_panel_settings:", roles.ADMINS, "nav.section_admin"
)
STAFF_PAGES = (
    HOME,
    IMPORT_FEEDBACK,
    IMPORT_SURVEY,
    FEEDBACK_BROWSER,
    SURVEYS,
    POPULATION,
    SAMPLING,
    PAIN_POINTS,
    ITEMS,
    BEFORE_AFTER,
    BENCHMARKS,
    ALERTS,
    ADMIN,
)

FIRST_RUN = PageSpec("views/first_run.py", "nav.first_run", ":material/rocket_launch:", roles.ANYONE)
LOGIN = PageSpec("views/login.py", "nav.login", ":material/login:", roles.ANYONE)
# Open without login, by link or embedded in the product; staff see them too, to try a link.
RESPONDENT_PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "views/feedback.py",
        "nav.inapp_feedback",
        ":material/rate_review:",
        roles.ANYONE,
        "nav.section_respondents",
    ),
    PageSpec(
        "views/questionnaire.py",
        "nav.questionnaire",
        ":material/quiz:",
        roles.ANYONE,
        "nav.section_respondents",
    ),
)


def pages_for(role: str | None, has_users: bool) -> list[PageSpec]:
    """The pages in the navigation of a visitor.

    Args:
        role: The signed-in staff user's role; None when nobody is logged in.
        has_users: Whether any staff account exists yet (none: only the first-run page).

    Returns:
        The pages to show, in navigation order.
    """
    if not has_users:
        return [FIRST_RUN]
    if role is None:
        return [LOGIN, *RESPONDENT_PAGES]
    return [*(page for page in STAFF_PAGES if role in page.roles), *RESPONDENT_PAGES]


def is_respondent_page(url_path: str) -> bool:
    """Whether the page at this URL path (as st.Page names it) is one respondents open without login."""
    return any(Path(page.path).stem == url_path for page in RESPONDENT_PAGES)
