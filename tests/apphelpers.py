"""Helpers for driving the app with Streamlit's AppTest."""

from __future__ import annotations

import contextlib

from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PASSWORD = "correct horse battery"


def open_app(monkeypatch, db_url: str, lang: str = "en") -> AppTest:  # type: ignore[no-untyped-def]
    """The app on `db_url`, first run, in `lang`."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    return at.run()


def texts(at: AppTest) -> str:
    """Everything a user reads on the page, as one string."""
    parts = [
        el.value
        for kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "caption",
            "info",
            "error",
            "warning",
            "success",
        )
        for el in getattr(at, kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


# Streamlit renders these elements' bodies (and expanders' and metrics' labels) as Markdown.
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def markdown_to_html(source: str) -> str:
    """What Markdown makes of one text."""
    return _MARKDOWN.render(source)


def rendered_html(at: AppTest) -> str:
    """The HTML that Markdown makes of every Markdown-rendered text on the page (CommonMark + tables).

    A stand-in for the browser's rendering, close enough to tell text from an image, link or emphasis.
    """
    sources = texts(at).split("\n") + [str(e.label) for e in at.expander] + [str(m.label) for m in at.metric]
    return "\n".join(_MARKDOWN.render(source) for source in sources)


def create_admin(at: AppTest, username: str = "ada", password: str = PASSWORD) -> AppTest:
    at.text_input(key="first_run_username").input(username)
    at.text_input(key="first_run_password").input(password)
    at.text_input(key="first_run_confirm").input(password)
    return _then_app(at.button[0].click().run())


def log_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return _then_app(at.button[0].click().run())


def _then_app(at: AppTest) -> AppTest:
    # A refused form shows its error on the page; a successful one reruns the app.
    return at if at.error else through_app(at)


def through_app(at: AppTest) -> AppTest:
    """Run the app from its entry script, as the browser does after a page calls st.rerun().

    A test that opens a page script with AppTest reruns that script on its own; the server runs
    app.py, which rebuilds the navigation for the new role.
    """
    # ValueError: the last run went through app.py's navigation already; a plain run does it again.
    with contextlib.suppress(ValueError):
        at.switch_page("app.py")
    return at.run()
