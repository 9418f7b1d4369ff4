"""screen settings: the running tally on the projector

Revision ID: 0002
Revises: 0001
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
        "screen_settings",
        sa.Column("meeting", sa.String(length=32), nullable=False),
        sa.Column("show_tally", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting"),
    )


def downgrade() -> None:
    op.drop_table("screen_settings")
