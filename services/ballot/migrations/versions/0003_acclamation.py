"""decisions bij acclamatie

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decided_by", sa.String(length=12), server_default="vote", nullable=False)
        )
        batch_op.add_column(sa.Column("acclamation_adopted", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("acclamation_adopted")
        batch_op.drop_column("decided_by")
