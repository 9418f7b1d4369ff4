"""who created, opened, closed and annulled each vote

Revision ID: 0006_who
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_who"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("created_by", "opened_by", "closed_by", "annulled_by")


def upgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
