"""The demo workspace looks like a real product's feedback to someone exploring the app, and goes away cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from analytics.evidence import TopicEvidence, judge
from db import migrate
from db.engine import make_engine, unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.models import (
    Answer,
    AuditEvent,
    Feedback,
    PopulationMember,
    Product,
    Question,
    RectificationItem,
    Response,
    Round,
    Survey,
    Wave,
)
from db.population import population_frame
from db.workspace import create_product, create_round
from services.demo import PRODUCT_NAME, has_demo, load_demo, remove_demo
from services.user_list import wave_respondent_keys, weighting_attributes, who_answered

# Slow: generates the demo workspace (and analyses it from the command line) (CI runs it).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
MAIN_CHANNELS = ("in_app", "survey_comment", "customer_service", "community")


def _fresh_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database with the demo loaded, shared by the read-only tests."""
    engine = _fresh_engine(tmp_path_factory.mktemp("demo") / "t.db")
    load_demo(engine)
    yield engine
    engine.dispose()


def _feedback(engine: Engine) -> list[Feedback]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Feedback).order_by(Feedback.id)))


def _wave_scores(engine: Engine, round_name_part: str) -> dict[str, dict[str, dict[str, float]]]:
    """wave kind -> respondent key -> question code -> value, for the waves of one round."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Wave.kind, Response.respondent_key, Question.code, Answer.value_num)
            .join(Round, Round.id == Wave.round_id)
            .join(Response, Response.wave_id == Wave.id)
            .join(Answer, Answer.response_id == Response.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Round.name.contains(round_name_part), Answer.value_num.is_not(None))
        ).all()
    scores: dict[str, dict[str, dict[str, float]]] = {}
    for kind, key, code, value in rows:
        scores.setdefault(kind, {}).setdefault(key, {})[code] = value
    return scores


def _mean(scores: dict[str, dict[str, float]], code: str) -> float:
    values = [answers[code] for answers in scores.values()]
    return sum(values) / len(values)


def test_volume_channels_and_languages(demo_engine):
    items = _feedback(demo_engine)
    assert len(items) >= 2_000
    channels = {item.channel for item in items}
    assert set(MAIN_CHANNELS) <= channels
    for lang in ("zh", "en"):
        assert sum(item.language == lang for item in items) / len(items) >= 0.30
    assert {item.category for item in items} == {None}  # left to the classifier


def test_texts_are_varied_plausible_and_free_of_personal_data(demo_engine):
    texts = [item.text for item in _feedback(demo_engine)]
    assert len(set(texts)) / len(texts) >= 0.90
    assert all(10 <= len(text) <= 200 for text in texts)
    assert not [t for t in texts if re.search(r"@|\d{7,}|1[3-9]\d{9}", t)]
    chinese = [t for t in texts if re.search(r"[\u4e00-\u9fff]", t)]
    assert 0.4 <= len(chinese) / len(texts) <= 0.7


def test_feedback_fields_are_filled_like_real_imports(demo_engine):
    items = _feedback(demo_engine)
    support = [i for i in items if i.channel == "customer_service"]
    assert all(re.fullmatch(r"CS-2026-\d{6}", i.source_ref or "") for i in support)
    assert all(i.severity in (1, 2, 3, 4) for i in support)
    assert all(i.source_ref for i in items if i.channel == "community")
    assert all(i.rating is None or 1 <= i.rating <= 5 for i in items)
    assert any(i.rating is None for i in items if i.channel == "community")
    assert all(i.round_id is not None for i in items)
    keys = [i.respondent_key for i in items if i.respondent_key]
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    assert len(keys) > len(set(keys))  # some people write more than once
    app_versions = {i.app_version for i in items if i.app_version}
    assert any(v.startswith("2.3") for v in app_versions) and any(v.startswith("2.4") for v in app_versions)
    assert len({i.model_version for i in items if i.model_version}) >= 2


def test_six_months_of_feedback_on_fixed_dates(demo_engine):
    with unit_of_work(demo_engine) as session:
        first, last = session.execute(
            select(func.min(Feedback.created_at), func.max(Feedback.created_at))
        ).one()
        rounds = {r.name: r for r in session.scalars(select(Round))}
    assert datetime(2026, 4, 30) <= first < datetime(2026, 5, 3)
    assert datetime(2026, 10, 28) <= last <= datetime(2026, 11, 1)
    assert sorted(r.status for r in rounds.values()) == ["active", "closed"]


def test_slow_responses_grow_and_the_fixed_crash_shrinks(demo_engine):
    def share(pattern: str, months: tuple[int, ...]) -> float:
        window = [i for i in _feedback(demo_engine) if i.created_at.month in months]
        return sum(bool(re.search(pattern, i.text, re.I)) for i in window) / len(window)

    slow = r"慢|超时|正在思考|slow|timing out|timeouts|thinking"
    crash = r"闪退|崩溃|崩|crash"
    assert share(slow, (9, 10)) > 2 * share(slow, (5, 6))
    assert share(crash, (8, 9, 10)) < share(crash, (5, 6)) / 2


def test_two_round_one_waves_with_paired_respondents(demo_engine):
    scores = _wave_scores(demo_engine, "round 1")
    baseline, follow_up = scores["baseline"], scores["follow_up"]
    assert len(baseline) >= 150 and len(follow_up) >= 150
    assert len(set(baseline) & set(follow_up)) >= 50
    assert set(baseline) != set(follow_up)  # some answered only one wave


def test_accuracy_improves_clearly_ease_of_use_does_not(demo_engine):
    scores = _wave_scores(demo_engine, "round 1")
    baseline, follow_up = scores["baseline"], scores["follow_up"]
    assert _mean(follow_up, "accuracy") - _mean(baseline, "accuracy") > 0.3
    assert abs(_mean(follow_up, "ease_of_use") - _mean(baseline, "ease_of_use")) < 0.15
    assert _mean(follow_up, "csat") > _mean(baseline, "csat")
    values = [answers["accuracy"] for answers in baseline.values()]
    assert set(values) <= {1, 2, 3, 4, 5} and values.count(1) < values.count(4)
    assert all(0 <= answers["nps"] <= 10 for answers in follow_up.values())


def test_survey_comments_are_also_feedback(demo_engine):
    with unit_of_work(demo_engine) as session:
        comments = session.execute(
            select(Response.respondent_key, Answer.value_text)
            .join(Answer, Answer.response_id == Response.id)
            .where(Answer.value_text.is_not(None))
        ).all()
        stored = session.execute(
            select(Feedback.respondent_key, Feedback.text).where(Feedback.channel == "survey_comment")
        ).all()
        responses = session.scalar(select(func.count()).select_from(Response))
    assert sorted(comments) == sorted(stored)
    assert 0.2 <= len(comments) / responses <= 0.4


def test_rectification_items_of_round_one(demo_engine):
    with unit_of_work(demo_engine) as session:
        items = list(session.scalars(select(RectificationItem)))
    statuses = {item.status for item in items}
    assert {"verified", "carried_over"} <= statuses
    assert all(item.owner and item.due_on and item.baseline is not None for item in items)
    assert any(item.carried_from_id for item in items)
    # As in the app, a verified item carries evidence that verifies it: the planted complaint fell
    # significantly, to its target (half its baseline) or below.
    for item in items:
        if item.status == "verified":
            evidence = TopicEvidence.from_dict(item.evidence)
            assert judge(evidence, target=item.target) == "verifies"
            assert evidence.significant and evidence.diff < 0
            assert 100 * evidence.share_after <= item.target == round(item.baseline / 2, 1)
            assert "显著下降" in evidence.verdict_zh and "fell significantly" in evidence.verdict_en
    resolved = [TopicEvidence.load(item.evidence) for item in items if item.status == "resolved"]
    assert resolved and all(e and not e.significant for e in resolved)  # not verified, and we see why


def test_a_user_list_holds_every_respondent_and_shows_who_answers_more(demo_engine):
    """The Users page and the weighted before/after have something to show: doctors and heavy users answer more."""
    with unit_of_work(demo_engine) as session:
        product_id = session.scalar(select(Product.id))
        users = population_frame(session, product_id)
        respondents = set(session.scalars(select(Response.respondent_key)))
        wave_ids = list(session.scalars(select(Wave.id).order_by(Wave.id)))
        keys = wave_respondent_keys(session, wave_ids[0])
    assert len(users) == 5_000 and respondents <= set(users["user_key"])
    assert sorted(weighting_attributes(users)) == ["language", "role", "usage"]
    baseline = who_answered(users, keys, ["role", "usage"])
    shares = baseline.shares.set_index(["attribute", "value"])
    assert baseline.matched == len(keys) and baseline.not_in_list == 0
    assert shares.loc[("role", "patient"), "under_represented"]
    for group in (("role", "doctor"), ("usage", "heavy")):
        assert shares.loc[group, "respondent_share"] > shares.loc[group, "population_share"] + 0.05
    assert baseline.weights is not None and baseline.weights.design_effect > 1.05


def test_loading_twice_is_refused_and_changes_nothing(demo_engine):
    before = len(_feedback(demo_engine))
    with pytest.raises(ValueError, match="already loaded"):
        load_demo(demo_engine)
    assert len(_feedback(demo_engine)) == before
    with unit_of_work(demo_engine) as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 1


def test_same_seed_same_workspace(demo_engine, tmp_path):
    other = _fresh_engine(tmp_path / "t.db")
    load_demo(other, seed=7)

    def content(engine: Engine) -> list[tuple]:
        return [(i.channel, i.text, i.created_at, i.rating, i.respondent_key) for i in _feedback(engine)]

    assert content(other) == content(demo_engine)
    assert _wave_scores(other, "round 1") == _wave_scores(demo_engine, "round 1")
    different = _fresh_engine(tmp_path / "u.db")
    load_demo(different, seed=8)
    assert [i.text for i in _feedback(different)] != [i.text for i in _feedback(demo_engine)]
    other.dispose()
    different.dispose()


def test_remove_demo_keeps_real_products(tmp_path):
    engine = _fresh_engine(tmp_path / "t.db")
    with unit_of_work(engine) as session:
        real = create_product(session, "CreditBot 信贷助手", "finance")
        real_round = create_round(session, real.id, "Round 1")
        store_feedback(
            session,
            [
                FeedbackIn(
                    real.id,
                    "in_app",
                    "The loan calculator is wrong",
                    datetime(2026, 9, 1),
                    round_id=real_round.id,
                )
            ],
        )
    assert not has_demo(engine)
    summary = load_demo(engine, actor="alice")
    assert has_demo(engine)
    assert summary.product == PRODUCT_NAME and summary.feedback_total >= 2_000
    assert summary.paired_respondents >= 50

    assert remove_demo(engine, actor="alice") == 1
    assert not has_demo(engine)
    with unit_of_work(engine) as session:
        assert [p.name for p in session.scalars(select(Product))] == ["CreditBot 信贷助手"]
        assert [r.name for r in session.scalars(select(Round))] == ["Round 1"]
        assert [f.text for f in session.scalars(select(Feedback))] == ["The loan calculator is wrong"]
        for table in (Survey, Question, Wave, Response, Answer, RectificationItem, PopulationMember):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table.__name__
        actions = [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    # The load records its items' evidence as the app records any (the verified ones twice: evidence,
    # then the status it allows), then itself; the removal comes last.
    assert actions[-2:] == [("alice", "demo.load"), ("alice", "demo.remove")]
    assert sorted(set(actions[:-2])) == [("alice", "item.evidence"), ("alice", "item.status")]
    assert remove_demo(engine, actor="alice") == 0  # nothing left: a no-op
    load_demo(engine)  # and it can be loaded again
    assert has_demo(engine)
    engine.dispose()


def test_cli_loads_and_removes(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"  # no schema yet: the CLI upgrades it first

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jobs.demo", "--database-url", url, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    loaded = cli()
    assert loaded.returncode == 0, loaded.stderr
    assert PRODUCT_NAME in loaded.stdout and "feedback" in loaded.stdout
    assert len(loaded.stdout.strip().splitlines()) == 1
    again = cli()
    assert again.returncode == 1 and "already loaded" in again.stderr
    removed = cli("--remove", "--yes")  # no terminal here to confirm on
    assert removed.returncode == 0, removed.stderr
    engine = make_engine(url)
    assert not has_demo(engine)
    engine.dispose()
