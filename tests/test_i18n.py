"""Every UI string exists in Chinese and English, and every key the code asks for exists."""

from __future__ import annotations

import re
import string

import pytest

from db.engine import DatabaseProblem
from db.models import CHANNELS, DIMENSIONS, ROLES, WAVE_KINDS
from db.workspace import DOMAINS
from tests.conftest import ROOT
from ui.i18n import STRINGS

HAN = re.compile(r"[\u4e00-\u9fff]")
# Names written alike in both languages: the product, and the survey tools an export comes from.
SAME_IN_CHINESE = ("Rectify", "Qualtrics", "SurveyMonkey", "Microsoft Forms")
CHINESE_NAMES = ("问卷星", "腾讯问卷")  # the tools' own names, which English readers see in those tools


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_both_languages_present_with_the_same_placeholders(key):
    zh, en = STRINGS[key]
    assert zh.strip() and en.strip()
    assert _fields(zh) == _fields(en)
    punctuation = not any(ch.isalnum() or ch == "{" for ch in zh)  # a list separator ("、")
    assert HAN.search(zh) or zh in SAME_IN_CHINESE or punctuation, f"{key}: the Chinese text has no Chinese"
    english = re.sub("|".join(CHINESE_NAMES), "", en)
    assert not HAN.search(english) or key == "app.language", f"{key}: the English text has Chinese in it"


def _source_files():
    for folder in ("views", "ui"):
        yield from (ROOT / folder).glob("*.py")
    yield ROOT / "app.py"


def test_every_literal_key_used_in_the_code_exists():
    used = set()
    for path in _source_files():
        code = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z0-9_.]+)"', code))
        # Keys handed to a helper that looks them up, e.g. open_page(..., title_key="items.title").
        used |= set(re.findall(r'\b\w+_key=\s*"([a-z_]+\.[a-z0-9_.]+)"', code))
    assert used, "no keys found: the pattern is out of date"
    assert {"items.title", "items.no_product"} <= used, "no header keys found: the pattern is out of date"
    assert sorted(used - set(STRINGS)) == []


def test_every_navigation_entry_has_its_strings():
    from ui import nav

    specs = [*nav.STAFF_PAGES, nav.FIRST_RUN, nav.LOGIN, *nav.RESPONDENT_PAGES]
    keys = {spec.title_key for spec in specs} | {spec.section for spec in specs if spec.section}
    assert sorted(keys - set(STRINGS)) == []


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("channel", CHANNELS),
        ("dimension", DIMENSIONS),
        ("role", ROLES),
        ("wave", WAVE_KINDS),
        ("domain", DOMAINS),
        (
            "db",
            ("bad_url", "unreachable", "corrupt", "read_only", "newer_schema", "foreign_schema", "failed"),
        ),
        (
            "account",
            (
                "username_empty",
                "username_taken",
                "password_short",
                "role_unknown",
                "already_set_up",
                "user_unknown",
                "last_admin",
            ),
        ),
        ("workspace", ("name_empty", "name_taken", "domain_unknown", "round_name_empty")),
    ],
)
def test_keys_built_at_run_time_exist(prefix, values):
    assert sorted(f"{prefix}.{v}" for v in values if f"{prefix}.{v}" not in STRINGS) == []


def _survey_error_codes() -> tuple[str, ...]:
    from db.surveys import SurveyError

    codes = re.findall(r"\b([a-z_]+)\b", (SurveyError.__doc__ or "").split("Codes:")[1].split(".")[0])
    assert "dimension_missing" in codes, "SurveyError's docstring no longer lists its codes"
    return tuple(codes)


def _survey_import_keys() -> list[str]:
    from analytics.questions import KINDS
    from analytics.survey_files import LAYOUTS, PROBLEMS, REASONS

    keys = [f"survey_import.reason.{code}" for code in (*REASONS, "already_answered")]
    keys += [f"survey_import.problem.{code}" for code in PROBLEMS]
    keys += [f"survey_import.layout.{code}" for code in LAYOUTS]
    keys += [f"survey.kind.{kind}" for kind in KINDS]
    keys += [f"surveys.error.{code}" for code in _survey_error_codes()]  # shown by the import page
    return keys


@pytest.mark.parametrize("key", _survey_import_keys())
def test_every_survey_import_reason_problem_layout_and_kind_is_translated(key):
    assert key in STRINGS
    # Every placeholder is one the import page fills (a reason: value and Rejected.values; a problem:
    # ImportProblem.values; a layout or kind: none).
    filled = {"value", "first_row", "cells", "expected", "limit_mb", "ids", "count", "columns", "column"}
    filled |= {"question", "points", "file_points", "detail"}  # detail: SurveyError.detail
    filled |= {"limit", "ratio"}  # the row limit and the zip ratio (analytics.upload_limits)
    for text in STRINGS[key]:
        assert _fields(text) <= filled, key


def test_every_severity_term_is_translated():
    from analytics.severity import SEVERITY_TERMS

    keys = {"pp.term." + re.sub(r"[^a-z0-9]+", "_", term.label.lower()).strip("_") for term in SEVERITY_TERMS}
    assert sorted(keys - set(STRINGS)) == []


def test_database_problem_kinds_are_all_translated():
    # The kinds DatabaseProblem documents must all have a message.
    kinds = re.findall(r"\b([a-z_]+)\b", DatabaseProblem.__doc__.split("Kinds:")[1].split(".")[0])
    assert kinds and all(f"db.{kind}" in STRINGS for kind in kinds)
