"""lookalike scores: each company's resemblance to the won clients, with its explanation

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookalike_scores",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("nearest_won_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_lookalike_scores_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nearest_won_id"],
            ["companies.id"],
            name=op.f("fk_lookalike_scores_nearest_won_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_lookalike_scores")),
    )
    op.create_index(op.f("ix_lookalike_scores_score"), "lookalike_scores", ["score"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lookalike_scores_score"), table_name="lookalike_scores")
    op.drop_table("lookalike_scores")
