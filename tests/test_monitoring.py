"""The monitoring service on SQLite and PostgreSQL: alerts stored once, new topics, fixes not holding,
rating drops, and the job as a command line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from analytics.detectors import MonitorParams
from db.alerts import AlertError, list_alerts, quote_texts, set_alert_status
from db.engine import unit_of_work
from db.feedback import FeedbackIn, store_feedback
from db.items import NewItem, open_item, set_status
from db.models import Alert, AuditEvent, Feedback, WebhookDelivery
from db.workspace import create_product
from services import pain_points, webhook_delivery
from services.monitoring import monitor_product
from tests.conftest import ROOT
from tests.monitor_support import NOW, seed
from tests.test_items import TEXTS, KeywordEncoder

STABLE = {"login": 3, "slow": 3, "dose": 2}
DOSE_SPIKE = {"login": 3, "slow": 3, "dose": 8}


def alerts(engine, product_id: int) -> dict[tuple[str, str], dict]:
    with unit_of_work(engine) as session:
        frame = list_alerts(session, product_id)
    return {(r.kind, r.subject): r._asdict() for r in frame.itertuples(index=False)}


def test_a_spike_and_a_new_topic_are_stored_once_and_a_rerun_adds_nothing(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE, first_run_keys=("login", "slow"))
    first = monitor_product(engine, ids["product"], now=NOW, deliver=False)
    found = alerts(engine, ids["product"])
    assert set(found) == {("spike", "dose"), ("new_topic", "dose")}
    assert len(first.opened) == 2
    spike = found[("spike", "dose")]
    assert spike["status"] == "open" and spike["title"] == "dose topic"
    evidence = spike["evidence"]
    assert (evidence["recent_count"], evidence["baseline_count"]) == (56, 56)
    assert (evidence["recent_total"], evidence["baseline_total"]) == (98, 224)
    assert evidence["recent_share"] == pytest.approx(56 / 98)
    assert evidence["p_adj"] < 0.05 and evidence["p_val"] <= evidence["p_adj"]
    with unit_of_work(engine) as session:
        quotes = list(quote_texts(session, evidence["quote_ids"]).values())
    assert len(quotes) == 3 and all("wrong dosage" in q for q in quotes)
    with unit_of_work(engine) as session:  # a respondent's deletion takes their quote out of the alert
        session.execute(delete(Feedback).where(Feedback.id == evidence["quote_ids"][0]))
    with unit_of_work(engine) as session:
        assert len(quote_texts(session, evidence["quote_ids"])) == 2
    assert evidence["params"]["recent_days"] == 7

    again = monitor_product(engine, ids["product"], now=NOW + timedelta(hours=1), deliver=False)
    assert again.opened == [] and again.findings == 2
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 2


def test_a_stable_product_raises_no_alert(engine):
    ids = seed(
        engine, baseline_per_day=STABLE, recent_per_day=STABLE, first_run_keys=("login", "slow", "dose")
    )
    summary = monitor_product(engine, ids["product"], now=NOW, deliver=False)
    assert summary.findings == 0 and alerts(engine, ids["product"]) == {}


def test_acknowledge_then_close_and_a_closed_alert_waits_until_its_condition_cleared(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE)
    monitor_product(engine, ids["product"], now=NOW, deliver=False)
    alert_id = alerts(engine, ids["product"])[("spike", "dose")]["id"]
    with unit_of_work(engine) as session:
        set_alert_status(session, alert_id, "acknowledged", "ann", NOW)
    with unit_of_work(engine) as session, pytest.raises(AlertError) as refused:
        set_alert_status(session, alert_id, "acknowledged", "ann", NOW)
    assert refused.value.code == "bad_status"
    with unit_of_work(engine) as session:
        set_alert_status(session, alert_id, "closed", "ada", NOW)
    row = alerts(engine, ids["product"])[("spike", "dose")]
    assert (row["status"], row["acknowledged_by"], row["closed_by"]) == ("closed", "ann", "ada")
    with unit_of_work(engine) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "alert")))
    assert actions == {"alert.acknowledged", "alert.closed"}

    still = monitor_product(engine, ids["product"], now=NOW + timedelta(hours=2), deliver=False)
    assert still.opened == [], "closed while the spike goes on: no second alert"
    # Two weeks later the spike week is part of the baseline: the condition cleared ...
    calm = monitor_product(engine, ids["product"], now=NOW + timedelta(days=14), deliver=False)
    assert calm.cleared == 1 and not alerts(engine, ids["product"])[("spike", "dose")]["active"]
    # ... so when it is found again, a new alert opens.
    back = monitor_product(engine, ids["product"], now=NOW, deliver=False)
    assert len(back.opened) == 1
    with unit_of_work(engine) as session:
        statuses = sorted(session.scalars(select(Alert.status)))
    assert statuses == ["closed", "open"]


def test_a_verified_items_topic_rising_again_alerts(engine):
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day={"login": 9, "slow": 3, "dose": 2})
    with unit_of_work(engine) as session:
        item = open_item(session, ids["round"], NewItem("Fix the login code", "login"), "ann")
        other = open_item(session, ids["round"], NewItem("Faster answers", "slow"), "ann")
        for row in (item, other):  # verified earlier on evidence (test_items covers that path)
            set_status(session, row.id, "in_progress", "ann")
            set_status(session, row.id, "resolved", "ann")
            row.status = "verified"
    monitor_product(engine, ids["product"], now=NOW, deliver=False)
    found = alerts(engine, ids["product"])
    assert ("rising_again", "login") in found
    assert ("rising_again", "slow") not in found, "a verified topic that holds raises nothing"
    evidence = found[("rising_again", "login")]["evidence"]
    assert evidence["items"] == [{"id": item.id, "title": "Fix the login code"}]
    assert evidence["p_val"] < 0.05 and evidence["recent_count"] == 63


def test_an_in_app_rating_drop_alerts_and_a_steady_rating_does_not(engine):
    steady = seed(engine, baseline_per_day={"slow": 4}, recent_per_day={"slow": 4}, ratings=(4, 4), name="A")
    dropped = seed(engine, baseline_per_day={"slow": 4}, recent_per_day={"slow": 4}, ratings=(4, 2), name="B")
    assert monitor_product(engine, steady["product"], now=NOW, deliver=False).findings == 0
    assert alerts(engine, steady["product"]) == {}
    monitor_product(engine, dropped["product"], now=NOW, deliver=False)
    found = alerts(engine, dropped["product"])
    assert set(found) == {("rating_drop", "rating")}
    evidence = found[("rating_drop", "rating")]["evidence"]
    assert evidence["baseline_mean"] == pytest.approx(4.5) and evidence["recent_mean"] == pytest.approx(2.5)
    assert evidence["days"][-1]["ewma"] < evidence["days"][-1]["lcl"]
    assert evidence["params"]["ewma_lambda"] == 0.2 and evidence["params"]["ewma_l"] == 3.0


def test_the_minimum_count_is_respected_in_the_stored_alerts(engine):
    ids = seed(engine, baseline_per_day={"login": 3, "rare": 0}, recent_per_day={"login": 3, "rare": 1})
    # "rare" has 7 items in the recent week and none before: a spike at min_count 5, none at 10
    monitor_product(engine, ids["product"], now=NOW, deliver=False, params=MonitorParams(min_count=10))
    assert alerts(engine, ids["product"]) == {}
    monitor_product(engine, ids["product"], now=NOW, deliver=False, params=MonitorParams(min_count=5))
    assert set(alerts(engine, ids["product"])) == {("spike", "rare")}


def _job(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "jobs.monitor", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_job_runs_as_a_command_line(engine, db_url):
    # The job's window ends now: data seeded relative to the real clock.
    ids = seed(engine, baseline_per_day=STABLE, recent_per_day=DOSE_SPIKE, now=datetime.now(UTC))
    done = _job("--product", "Tutor", "--database-url", db_url)
    assert done.returncode == 0, done.stderr
    assert "Tutor: 1 conditions, 1 new alerts" in done.stdout
    assert set(alerts(engine, ids["product"])) == {("spike", "dose")}
    rerun = _job("--database-url", db_url)
    assert rerun.returncode == 0 and "Tutor: 1 conditions, 0 new alerts" in rerun.stdout
    unknown = _job("--product", "Nope", "--database-url", db_url)
    assert unknown.returncode == 2 and "no product named 'Nope'; there are: Tutor" in unknown.stderr


def test_an_analysis_ends_with_a_monitoring_run_that_queues_but_does_not_send(engine):
    now = datetime.now(UTC)
    rows = []
    with unit_of_work(engine) as session:
        product = create_product(session, "MediAssist", "medical").id
        for day in range(35):
            at = now - timedelta(days=35 - day, hours=-1)
            # 12 distinct texts: the topic model's grouping path, one topic per keyword, in seconds
            picks = (
                [0, 1, 2] * 2 + [3, 6, 9] if day >= 28 else [day % 3, 3 + day % 3, 6 + day % 3, 9 + day % 3]
            )
            rows += [
                FeedbackIn(
                    product, "community", TEXTS[i], at + timedelta(minutes=j), respondent_key=f"r{day}-{j}"
                )
                for j, i in enumerate(picks)
            ]
        store_feedback(session, rows)
        webhook_delivery.add_endpoint(session, product, "http://127.0.0.1:9/never", "ada")
    summary = pain_points.analyse_scope(engine, product, None, KeywordEncoder())
    assert summary.method == "grouped"
    found = alerts(engine, product)
    assert [kind for kind, _ in found] == ["spike"]
    assert "crash" in found[next(iter(found))]["title"].lower()
    with unit_of_work(engine) as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
        assert [(d.status, d.attempts, d.event_type) for d in deliveries] == [("pending", 0, "alert.opened")]
