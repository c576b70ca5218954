"""leads: same email and company no longer unique (another chat gets a flagged duplicate)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_constraint("uq_leads_email_company_id", type_="unique")
        batch.create_index("ix_leads_email_company_id", ["email", "company_id"])


def downgrade() -> None:
    """Fails while flagged duplicates exist: merge or erase them first."""
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_email_company_id")
        batch.create_unique_constraint("uq_leads_email_company_id", ["email", "company_id"])
