"""Data for the before/after tests: the demo workspace once per process, and small hand-made workspaces."""

from __future__ import annotations

import atexit
import functools
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, select

from db import migrate
from db import waves as repo
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import Feedback, FeedbackTopic, RectificationItem, Topic, TopicRun
from db.surveys import add_response, create_survey_from_template, open_wave
from db.workspace import create_product, create_round
from services import demo


@functools.cache
def demo_database_url() -> str:
    """A SQLite file holding the demo workspace, built once per test process (about 4 s)."""
    folder = tempfile.TemporaryDirectory(prefix="rectify-verify-")
    atexit.register(folder.cleanup)
    url = f"sqlite:///{folder.name}/demo.db"
    engine = make_engine(url)
    migrate.upgrade(engine)
    demo.load_demo(engine, actor="test")
    engine.dispose()
    return url


@dataclass(frozen=True)
class SmallWorkspace:
    product_id: int
    round_id: int
    baseline_id: int
    follow_up_id: int
    run_id: int | None


def small_workspace(
    engine: Engine,
    baseline: list[dict[str, float]],
    follow_up: list[dict[str, float]],
    *,
    shared: int = 0,
    with_topics: bool = False,
    wave_names: tuple[str, str] = ("Baseline", "Follow-up"),
) -> SmallWorkspace:
    """A product with one round, a survey and two waves holding the given answers (question code -> value).

    The first ``shared`` respondents of each wave are the same people. With ``with_topics``, three
    feedback items with a topic run (one outlier) and a rectification item are stored too.
    """
    with unit_of_work(engine) as session:
        product = create_product(session, "Small product")
        rnd = create_round(session, product.id, "Round A", date(2026, 1, 1), date(2026, 3, 31))
        survey = create_survey_from_template(session, product.id, "Survey")
        waves = [
            open_wave(session, survey.id, rnd.id, kind, name, opens)
            for kind, name, opens in (
                ("baseline", wave_names[0], date(2026, 1, 10)),
                ("follow_up", wave_names[1], date(2026, 3, 10)),
            )
        ]
        for wave, rows, prefix in ((waves[0], baseline, "b"), (waves[1], follow_up, "f")):
            for i, answers in enumerate(rows):
                key = f"shared-{i}" if i < shared else f"{prefix}-{i}"
                segment = "doctor" if i % 2 else "patient"
                add_response(session, wave.id, key, dict(answers), segment=segment)
        run_id = None
        if with_topics:
            start = datetime(2026, 2, 1, 8, tzinfo=UTC)
            store_feedback(
                session,
                [
                    FeedbackIn(
                        product.id,
                        "in_app",
                        text,
                        start + timedelta(days=i),
                        respondent_key=key,
                        category=cat,
                    )
                    for i, (text, key, cat) in enumerate(
                        (
                            ("The dosage was wrong", "shared-0", "accuracy"),
                            ("Too slow at night", "b-1", "performance"),
                            ("hello", None, None),
                        )
                    )
                ],
            )
            ids = list(session.scalars(select(Feedback.id).order_by(Feedback.created_at)))
            run = TopicRun(product_id=product.id, round_id=rnd.id, model_id="test", n_docs=3)
            session.add(run)
            session.flush()
            topics = [
                Topic(
                    run_id=run.id,
                    key=key,
                    label=label,
                    keywords=kw,
                    size=size,
                    custom_label=name,
                    merged_into=into,
                )
                for key, label, kw, size, name, into in (
                    ("dosage", "dosage / wrong", ["dosage"], 1, "Dosage errors", None),
                    ("speed", "Slow answers", ["slow"], 1, None, None),
                    ("-1", "Outliers", None, 1, None, None),
                    ("old", "Merged away", ["x"], 0, None, "dosage"),
                )
            ]
            session.add_all(topics)
            session.flush()
            session.add_all(
                FeedbackTopic(run_id=run.id, feedback_id=fid, topic_id=topic.id)
                for fid, topic in zip(ids, topics[:3], strict=True)
            )
            session.add(
                RectificationItem(
                    round_id=rnd.id,
                    topic_key="dosage",
                    title="Fix dosage",
                    owner="Li",
                    status="verified",
                    baseline=12.0,
                    target=4.0,
                    due_on=date(2026, 2, 15),
                )
            )
            run_id = run.id
        return SmallWorkspace(product.id, rnd.id, waves[0].id, waves[1].id, run_id)


def likert_rows(values: list[int], nps: list[int] | None = None) -> list[dict[str, float]]:
    """Answers with every Likert question set to the given value (and NPS when given)."""
    codes = ("accuracy", "ease_of_use", "response_speed", "problem_resolution", "csat")
    rows = []
    for i, v in enumerate(values):
        row: dict[str, float] = dict.fromkeys(codes, float(v))
        row["nps"] = float(nps[i] if nps else min(10, 2 * v))
        rows.append(row)
    return rows


def answers_frame(
    before: list[float | None],
    after: list[float | None],
    *,
    question: str = "accuracy",
    keys_before: list[str | None] | None = None,
    keys_after: list[str | None] | None = None,
    kinds: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """An answers frame for one question (waves 1 and 2); respondents are distinct unless keys are given."""
    rows = []
    for wave, values, keys in ((1, before, keys_before), (2, after, keys_after)):
        for i, value in enumerate(values):
            row = {
                "wave": wave,
                "respondent_key": keys[i] if keys is not None else f"w{wave}-{i}",
                "question": question,
                "value": value,
            }
            if kinds:
                row["kind"] = kinds[wave - 1]
            rows.append(row)
    columns = ["wave", "respondent_key", "question", "value", *(["kind"] if kinds else [])]
    return pd.DataFrame(rows, columns=columns)


def row_of(result: pd.DataFrame, measure: str, kind: str = "likert") -> pd.Series:
    """The one result row of a measure and kind."""
    found = result[(result["measure"] == measure) & (result["kind"] == kind)]
    assert len(found) == 1, result[["measure", "kind"]]
    return found.iloc[0]


def demo_answers() -> pd.DataFrame:
    """The answers of the demo's round-1 waves (baseline 1, follow-up 2)."""
    engine = make_engine(demo_database_url())
    with unit_of_work(engine) as session:
        waves = repo.product_waves(session, 1, 1)
        answers = repo.wave_answers(session, [w.id for w in waves])
    engine.dispose()
    return answers
