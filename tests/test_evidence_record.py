"""One evidence record (analytics.evidence.TopicEvidence): rows stored before it still load, read the
same, and a record writes the keys it reads."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime

from analytics.evidence import JudgedAgainst, TopicEvidence, is_completed_test, judge
from analytics.reports import evidence_text
from db.items import json_safe

# A measurement as the demo stored it before the record type (item_evidence.result, verbatim).
STORED = json.loads(
    """
{
    "status": "ok",
    "topic": "Wrong dosage / outdated guidelines",
    "test": "2-sample test for equality of proportions",
    "statistic_name": "X-squared",
    "n_before": 627,
    "k_before": 83,
    "share_before": 0.13237639553429026,
    "rate_before": 132.37639553429025,
    "n_after": 762,
    "k_after": 42,
    "share_after": 0.05511811023622047,
    "rate_after": 55.118110236220474,
    "diff": -0.07725828529806979,
    "diff_ci_low": -0.10929907133941157,
    "diff_ci_high": -0.04668714217698339,
    "rate_ratio": 0.41637415804952094,
    "statistic": 25.070200136678157,
    "p_val": 5.528059393369389e-07,
    "significant": true,
    "verdict_en": "Feedback about Wrong dosage / outdated guidelines fell significantly from 13.2% to 5.5% of all feedback (132 → 55 per 1,000 items; −7.7 percentage points, 95% CI −10.9 to −4.7); two-proportion test, 83/627 vs 42/762 items, p < 0.001.",
    "verdict_zh": "关于药物剂量错误、指南过时的反馈占比显著下降：13.2% → 5.5%（每千条 132 → 55；−7.7 个百分点，95% 置信区间 −10.9 至 −4.7）；两样本比例检验，83/627 对 42/762 条，p < 0.001。",
    "warnings": [],
    "warnings_zh": [],
    "topic_key": null,
    "period_start": "2026-05-01",
    "fix_date": "2026-07-01",
    "period_end": "2026-08-31",
    "not_analysed": 0,
    "attached_at": "2026-12-03T02:38:39+00:00",
    "attached_by": "test",
    "alpha": 0.05,
    "judgement": "verifies",
    "judged_against": {
        "baseline": 13.2,
        "target": 6.6
    }
}
"""
)


def test_a_row_stored_before_loads_with_every_figure_and_writes_the_same_keys_back():
    record = TopicEvidence.from_dict(STORED)
    assert (record.k_before, record.n_before, record.k_after, record.n_after) == (83, 627, 42, 762)
    assert record.share_after == STORED["share_after"] and record.significant and record.topic_key is None
    assert record.period_start == date(2026, 5, 1) and record.period_end == date(2026, 8, 31)
    assert (
        record.attached_at == datetime.fromisoformat(STORED["attached_at"]) and record.attached_by == "test"
    )
    assert record.judged_against == JudgedAgainst(13.2, 6.6) and record.judgement == "verifies"
    assert record.sentence("zh") == STORED["verdict_zh"] and record.caveats("en") == ()
    assert judge(record, target=6.6) == "verifies" and judge(record, target=5.0) == "target_missed"
    written = json_safe(record.to_dict())
    assert {k: written[k] for k in STORED} == STORED  # the same keys, the same values
    assert set(written) - set(STORED) == {"run_id", "verdict"}  # and the two this row lacked, empty
    assert TopicEvidence.from_dict(written) == record
    assert evidence_text(record) == "13.2% → 5.5% (significant)"


def test_nulls_missing_keys_and_unknown_keys():
    record = TopicEvidence.from_dict(
        {"status": "no_data", "p_val": None, "diff": None, "share_before": 0.1, "note": [1, 2]}
    )
    assert math.isnan(record.p_val) and math.isnan(record.share_after) and record.n_after == 0
    assert record.alpha == 0.05 and record.judged_against is None and record.period_start is None
    assert record.extra == {"note": [1, 2]} and record.to_dict()["note"] == [1, 2]
    assert judge(record, target=4.0) == "not_tested" and not is_completed_test(record)
    assert evidence_text(record, "zh") == "未检验" and evidence_text(None) == "–"
    assert TopicEvidence.load(None) is None and TopicEvidence.load({}) is None
    assert TopicEvidence.from_dict({"alpha": None}).alpha == 0.05  # as the rule always read it
    at = datetime(2026, 5, 1, 12, 30, 15, 999, tzinfo=UTC)
    assert TopicEvidence(attached_at=at).to_dict()["attached_at"] == "2026-05-01T12:30:15+00:00"
