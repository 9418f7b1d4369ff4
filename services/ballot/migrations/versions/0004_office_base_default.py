"""the office an election fills; the meeting's default base

Revision ID: 0004_console
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_console"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("base_overridden", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("ballot_meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("abstentions_cast", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("ballot_meetings", schema=None) as batch_op:
        batch_op.drop_column("abstentions_cast")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("base_overridden")
        batch_op.drop_column("office")
