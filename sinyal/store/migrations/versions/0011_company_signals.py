"""company signals: news items classified as sales signals, attributed to companies

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(length=300), nullable=True),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("published_at", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("story_key", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_signals_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["company_signals.id"],
            name=op.f("fk_company_signals_duplicate_of_company_signals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_signals")),
        sa.UniqueConstraint("story_key", name=op.f("uq_company_signals_story_key")),
    )
    op.create_index(
        op.f("ix_company_signals_company_id"), "company_signals", ["company_id"], unique=False
    )
    op.create_index(op.f("ix_company_signals_type"), "company_signals", ["type"], unique=False)
    op.create_index(
        op.f("ix_company_signals_published_at"), "company_signals", ["published_at"], unique=False
    )
    op.create_index(
        "ix_company_signals_company_type", "company_signals", ["company_id", "type"], unique=False
    )


def downgrade() -> None:
    op.drop_table("company_signals")
