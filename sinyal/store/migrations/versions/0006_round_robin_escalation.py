"""round robin and escalation: consultants.last_assigned_at, handovers.escalated_at

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consultants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claim_within_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_column("claim_within_minutes")
        batch_op.drop_column("escalated_at")
    with op.batch_alter_table("consultants", schema=None) as batch_op:
        batch_op.drop_column("last_assigned_at")
