"""The before/after page and deck on a team's own questionnaire: imported waves and built surveys.

Two waves of the sample Qualtrics export are imported as the service does it (the import page has its
own tests), then the page is opened as a user opens it: verdicts named by the survey's questions, the
options of a multiple choice together, the families shown, and the deck saying the same. A built
survey with a single-choice question shows a significant shift as "changed", neither better nor
worse, on the page and in the deck; a follow-up survey whose scale changed says so and leaves it out.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from analytics.questions import Option, QuestionSpec
from analytics.survey_files import match_columns, read_survey
from db import migrate
from db.engine import make_engine, unit_of_work
from db.surveys import (
    add_response,
    create_survey,
    open_wave,
    reuse_survey,
    stored_questions,
    survey_questions,
    update_question,
)
from db.workspace import create_product, create_round
from services.survey_import import WaveTarget, import_responses
from tests.apphelpers import texts
from tests.conftest import ROOT
from ui.auth import SignedIn
from ui.workspace import PRODUCT_KEY, ROUND_KEY

# Slow: runs the page through AppTest: seconds a test (CI runs it).
pytestmark = pytest.mark.slow

EXPORTS = ROOT / "tests" / "data" / "survey_exports"
PAGE = str(ROOT / "views" / "before_after.py")


def _page(monkeypatch, url: str, ids: tuple[int, int], lang: str = "en") -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["auth_user"] = SignedIn(1, "ada", "analyst")
    at.session_state[PRODUCT_KEY], at.session_state[ROUND_KEY] = ids
    return at.run()


def _deck(at: AppTest) -> str:
    at.button(key="verify_prepare").click().run()
    assert not at.exception
    deck = Presentation(io.BytesIO(at.session_state["verify_export"]["deck"]))
    return "\n".join(
        [s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame]
        + [
            c.text
            for slide in deck.slides
            for s in slide.shapes
            if s.has_table
            for row in s.table.rows
            for c in row.cells
        ]
    )


def _import_pair(url: str, tool: str, id_column: str) -> tuple[int, int]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical")
        rnd = create_round(session, product.id, "Round 1")
        ids = (product.id, rnd.id)
    survey_id = None
    for kind in ("baseline", "followup"):
        path = next(EXPORTS.glob(f"{tool}_{kind}.*"))
        found = read_survey(path.read_bytes(), path.name)
        with unit_of_work(engine) as session:
            if survey_id is None:
                mapping = {q.spec.code: q.columns for q in found.questions}
                new = (f"{tool} survey", [q.spec for q in found.questions])
            else:
                mapping, new = match_columns(found, survey_questions(session, survey_id)).mapping, None
            report = import_responses(
                session,
                product_id=ids[0],
                survey_file=found,
                mapping=mapping,
                id_column=id_column,
                target=WaveTarget(
                    round_id=ids[1], kind="baseline" if kind == "baseline" else "follow_up", name=kind
                ),
                actor="ada",
                survey_id=survey_id,
                new_survey=new,
            )
            survey_id = report.survey_id
    engine.dispose()
    return ids


def test_imported_qualtrics_waves_are_compared_on_their_own_questions(monkeypatch, db_url):
    ids = _import_pair(db_url, "qualtrics", "ExternalReference")
    at = _page(monkeypatch, db_url, ids)
    assert not at.exception
    page = texts(at)
    assert "Paired: 27 respondents answered both waves" in page
    boxes = [b.value for b in at.success] + [b.value for b in at.info]
    # The import proposed what each question measures: a scale alone in measuring a dimension is named
    # by it; the yes/no and the options by their wording.
    assert any(v.startswith("Accuracy improved significantly") for v in boxes)
    assert any(v.startswith("Was your problem solved this time?") for v in boxes)
    # Each option of the multiple choice is a share, inside its question's expander.
    options = [e for e in at.expander if e.label.startswith("Which features have you used?")]
    assert len(options) == 1
    assert "Medication lookup" in "\n".join(m.value for m in [*options[0].info, *options[0].success])
    assert "NPS" in page  # the NPS question is the only one measuring NPS: named by it
    table = at.dataframe[0].value
    assert "Which features have you used? Select all that apply. — Insurance claims help" in set(
        table["Measure"]
    )
    assert "McNemar's test (exact binomial)" in set(table["Test"])
    families = next(e for e in at.expander if e.label == "Questions tested together (families)")
    assert "- **Accuracy**: Accuracy" in "\n".join(m.value for m in families.markdown)  # named by dimension
    deck = _deck(at)
    assert "Was your problem solved this time?" in deck and "Insurance claims help" in deck

    zh = _page(monkeypatch, db_url, ids, lang="zh")
    assert not zh.exception
    assert "配对分析：27 名受访者" in texts(zh)
    assert any("显著提升" in b.value for b in zh.success)


SHIFT = QuestionSpec(
    "channel",
    "single",
    "您主要在哪里使用？",
    "Where do you mostly use it?",
    options=(Option("手机", "Phone"), Option("电脑", "Computer"), Option("网页", "Web")),
)
SCALE = QuestionSpec(
    "trust",
    "scale",
    "我信任它的回答。",
    "I trust its answers.",
    points=7,
    wording="agreement",
    dimension="trust",
)


def _built(url: str) -> tuple[tuple[int, int], int]:
    """A built survey, two waves of 40 answers: channel moves from phone to web, trust rises."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey(session, product.id, "Own", [SHIFT, SCALE])
        before = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        after = open_wave(session, survey.id, rnd.id, "follow_up", "After")
        for i in range(40):
            add_response(session, before.id, f"b{i}", {"channel": 1 if i < 28 else 3, "trust": 3 + i % 3})
            add_response(session, after.id, f"a{i}", {"channel": 1 if i < 8 else 3, "trust": 5 + i % 3})
        ids, survey_id = (product.id, rnd.id), survey.id
    engine.dispose()
    return ids, survey_id


def test_a_shift_between_options_is_changed_neither_better_nor_worse(monkeypatch, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'own.db'}"
    ids, _ = _built(url)
    at = _page(monkeypatch, url, ids)
    assert not at.exception
    shift = next(b.value for b in at.info if b.value.startswith("Where do you mostly use it?"))
    assert "neither better nor worse" in shift
    table = at.dataframe[0].value.set_index("Measure")
    assert table.at["Where do you mostly use it?", "Result"] == "changed (neither better nor worse)"
    assert table.at["I trust its answers.", "Result"] == "significantly better"
    assert (
        "Chi-square" in table.at["Where do you mostly use it?", "Test"]
        or "chi" in table.at["Where do you mostly use it?", "Test"].lower()
    )
    assert "Changed (neither better nor worse)" in _deck(at)


def test_a_question_asked_differently_in_the_follow_up_is_named_and_left_out(monkeypatch, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'own.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        product = create_product(session, "Tutor", "education")
        rnd = create_round(session, product.id, "Round 1")
        survey = create_survey(session, product.id, "Own", [SHIFT, SCALE])
        before = open_wave(session, survey.id, rnd.id, "baseline", "Before")
        copy = reuse_survey(session, survey.id, "Own, follow-up")
        trust = next(q for q in stored_questions(session, copy.id) if q.spec.code == "trust")
        update_question(
            session,
            trust.id,
            QuestionSpec(
                "trust",
                "scale",
                "我信任它的回答。",
                "I trust its answers.",
                points=5,
                wording="agreement",
                dimension="trust",
            ),
        )
        after = open_wave(session, copy.id, rnd.id, "follow_up", "After")
        for i in range(30):
            add_response(session, before.id, f"b{i}", {"channel": 1 + i % 3, "trust": 3 + i % 5})
            add_response(session, after.id, f"a{i}", {"channel": 1 + i % 2, "trust": 1 + i % 5})
        ids = (product.id, rnd.id)
    engine.dispose()
    at = _page(monkeypatch, url, ids)
    assert not at.exception
    assert any(
        w.value.startswith("Asked differently in the two waves, so not compared: trust (points)")
        for w in at.warning
    )
    table = at.dataframe[0].value
    assert list(table["Measure"]) == ["Where do you mostly use it?"]
