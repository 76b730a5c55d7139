"""model benchmarks before and after a fix, as evidence on rectification items

Revision ID: 0010_benchmarks
Revises: 0009_alerts
Create Date: 2026-12-03 13:20:00

``benchmark_runs`` keeps a benchmark compared before and after a fix (which columns held what, the
bootstrap's resamples and seed); ``benchmark_results`` one row per metric, class and slice;
``benchmark_regressions`` the ids and labels of cases right before and wrong after (no other text
of a case is stored). A rectification item gets an optional model metric with baseline, target and
direction (``bench_*``), and ``item_benchmark_evidence`` keeps every benchmark measurement it was
judged on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_benchmarks"
down_revision: str | None = "0009_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_COLUMNS = (
    ("bench_metric", sa.String(length=30)),
    ("bench_class", sa.String(length=200)),
    ("bench_slice_column", sa.String(length=200)),
    ("bench_slice", sa.String(length=200)),
    ("bench_baseline", sa.Float()),
    ("bench_target", sa.Float()),
    ("bench_direction", sa.String(length=6)),
)


def upgrade() -> None:
    op.create_table(
        "benchmark_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("n_cases", sa.Integer(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("resamples", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("fixed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("benchmark_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benchmark_runs_product_id"), ["product_id"], unique=False)
    op.create_table(
        "benchmark_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=30), nullable=False),
        sa.Column("class_label", sa.String(length=200), nullable=False),
        sa.Column("slice_column", sa.String(length=200), nullable=False),
        sa.Column("slice", sa.String(length=200), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.Float(), nullable=True)
            for name in (
                "before",
                "before_ci_low",
                "before_ci_high",
                "after",
                "after_ci_low",
                "after_ci_high",
                "diff",
                "ci_low",
                "ci_high",
            )
        ),
        sa.Column("test", sa.String(length=120), nullable=False),
        sa.Column("statistic", sa.Float(), nullable=True),
        sa.Column("p_val", sa.Float(), nullable=True),
        sa.Column("p_adj", sa.Float(), nullable=True),
        sa.Column("right_to_wrong", sa.Integer(), nullable=True),
        sa.Column("wrong_to_right", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["benchmark_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("benchmark_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benchmark_results_run_id"), ["run_id"], unique=False)
    op.create_table(
        "benchmark_regressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("before", sa.String(length=200), nullable=False),
        sa.Column("after", sa.String(length=200), nullable=False),
        sa.Column("slices", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["benchmark_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("benchmark_regressions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benchmark_regressions_run_id"), ["run_id"], unique=False)
    op.create_table(
        "item_benchmark_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_by", sa.String(length=60), nullable=False),
        sa.Column("judgement", sa.String(length=20), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["rectification_items.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["benchmark_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("item_benchmark_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_benchmark_evidence_item_id"), ["item_id"], unique=False)
    with op.batch_alter_table("rectification_items", schema=None) as batch_op:
        for name, kind in ITEM_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rectification_items", schema=None) as batch_op:
        for name, _ in reversed(ITEM_COLUMNS):
            batch_op.drop_column(name)
    for table in ("item_benchmark_evidence", "benchmark_regressions", "benchmark_results"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{'item_id' if table.startswith('item') else 'run_id'}"))
        op.drop_table(table)
    with op.batch_alter_table("benchmark_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benchmark_runs_product_id"))
    op.drop_table("benchmark_runs")
