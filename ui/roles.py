"""Who may do what: the role groups the pages are open to, and what each role may change.

The one place role rules live. The navigation (ui/nav.py), the page header (ui/page.py) and the
pages ask here; no page names a role itself.
"""

from __future__ import annotations

from ui.auth import SignedIn

ADMIN = "admin"
ANALYST = "analyst"
VIEWER = "viewer"

# Open to anyone, without login: respondent pages, login, first run.
ANYONE: tuple[str, ...] = ()
# Every staff role: reads everything in the workspace.
STAFF: tuple[str, ...] = (ADMIN, ANALYST, VIEWER)
# Change the workspace's data: import feedback, analyse, open and move items, load the demo, build
# surveys and open or close their waves.
EDITORS: tuple[str, ...] = (ADMIN, ANALYST)
# Accounts, products and rounds; remove the demo, delete a respondent's data.
ADMINS: tuple[str, ...] = (ADMIN,)
# A new account's role until an admin raises it: it reads, and changes nothing.
NEW_USER_ROLE = VIEWER


def can_edit(user: SignedIn) -> bool:
    """Whether `user` may change the workspace's data (viewers only read).

    Args:
        user: The signed-in staff user.

    Returns:
        True for admins and analysts.
    """
    return user.role in EDITORS


def can_build_surveys(user: SignedIn) -> bool:
    """Whether `user` may build surveys (questions, order, versions, families) and run their waves.

    Args:
        user: The signed-in staff user.

    Returns:
        True for admins and analysts; viewers read the surveys page only.
    """
    return user.role in EDITORS


def is_admin(user: SignedIn) -> bool:
    """Whether `user` may do what only admins do (remove the demo, delete a respondent's data).

    Args:
        user: The signed-in staff user.

    Returns:
        True for admins.
    """
    return user.role in ADMINS
