"""binding changes for ballot (an outbox)

Revision ID: 0004
Revises: 0003_handsets
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003_handsets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "binding_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_code", sa.String(length=6), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
        sa.Column("bound", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_binding_changes_meeting", "binding_changes", ["meeting_id", "id"], unique=False
    )
    op.create_index(
        "ix_binding_changes_undelivered",
        "binding_changes",
        ["id"],
        unique=False,
        sqlite_where=sa.text("delivered_at IS NULL"),
        postgresql_where=sa.text("delivered_at IS NULL"),
    )
    # Handsets bound before this revision: ballot's electorates already hold them.


def downgrade() -> None:
    op.drop_index("ix_binding_changes_undelivered", table_name="binding_changes")
    op.drop_index("ix_binding_changes_meeting", table_name="binding_changes")
    op.drop_table("binding_changes")
