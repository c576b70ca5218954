"""scraping: scan tracking, runs, http cache

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "http_cache",
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url_hash", name=op.f("pk_http_cache")),
    )
    op.create_table(
        "scrape_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_name", sa.String(length=120), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scrape_runs")),
    )
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("missed_scans", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("content_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("listed_on", sa.String(length=2000), nullable=True))
        batch_op.drop_index("ix_job_postings_open_since")
        batch_op.create_index(
            "ix_job_postings_open_since",
            ["closed_at", "original_start", "company_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.drop_index("ix_job_postings_open_since")
        batch_op.create_index(
            "ix_job_postings_open_since", ["closed_at", "original_start"], unique=False
        )
        batch_op.drop_column("listed_on")
        batch_op.drop_column("content_hash")
        batch_op.drop_column("missed_scans")

    op.drop_table("scrape_runs")
    op.drop_table("http_cache")
