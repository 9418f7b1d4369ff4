"""press times and reasons, the counted press kept by an index, binding changes

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heard_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=24), nullable=True))
        batch_op.drop_index("ix_presses_counted")
        batch_op.create_index("ix_presses_vote", ["vote_id"], unique=False)
        batch_op.create_index(
            "uq_presses_counted",
            ["vote_id", "member"],
            unique=True,
            sqlite_where=sa.text("counted"),
            postgresql_where=sa.text("counted"),
        )
        batch_op.create_index(
            "ix_presses_unplaced",
            ["meeting", "stored_at"],
            unique=False,
            sqlite_where=sa.text("vote_id IS NULL"),
            postgresql_where=sa.text("vote_id IS NULL"),
        )
    # Presses stored before: their batch's arrival is the best we know.
    op.execute("UPDATE presses SET heard_at = stored_at")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bindings_seen", sa.Integer(), nullable=True))
    op.create_table(
        "binding_changes",
        sa.Column("change_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("meeting", sa.String(length=32), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
        sa.Column("member", sa.String(length=6), nullable=False),
        sa.Column("bound", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("change_id"),
    )
    op.create_index(
        "ix_binding_changes_handset",
        "binding_changes",
        ["meeting", "handset", "change_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_binding_changes_handset", table_name="binding_changes")
    op.drop_table("binding_changes")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("bindings_seen")
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.drop_index("ix_presses_unplaced")
        batch_op.drop_index("uq_presses_counted")
        batch_op.drop_index("ix_presses_vote")
        batch_op.create_index("ix_presses_counted", ["vote_id", "member", "counted"], unique=False)
        batch_op.drop_column("reason")
        batch_op.drop_column("heard_at")
