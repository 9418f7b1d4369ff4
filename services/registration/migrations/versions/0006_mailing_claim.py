"""the meeting's claim by one run of mailing stemkaarten

Revision ID: 0006_mailing_claim
Revises: 0005_accounts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_mailing_claim"
down_revision: str | None = "0005_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("mailing_run", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("mailing_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("mailing_until")
        batch.drop_column("mailing_run")
