"""press times and reasons, counted presses in a table of their own, binding changes

Revision ID: 0005
Revises: 0004_console
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heard_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.String(length=24), nullable=True))
        batch_op.drop_index("ix_presses_counted")
        batch_op.create_index("ix_presses_vote", ["vote_id", "handset", "seq"], unique=False)
        batch_op.create_index(
            "ix_presses_unplaced",
            ["meeting", "stored_at"],
            unique=False,
            sqlite_where=sa.text("vote_id IS NULL"),
            postgresql_where=sa.text("vote_id IS NULL"),
        )
    # Presses stored before: their batch's arrival is the best we know.
    op.execute("UPDATE presses SET heard_at = stored_at")
    op.create_table(
        "counted_presses",
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=6), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["vote_id"], ["votes.id"]),
        sa.PrimaryKeyConstraint("vote_id", "member"),
    )
    op.execute(
        "INSERT INTO counted_presses (vote_id, member, handset, seq, heard_at)"
        " SELECT vote_id, member, handset, seq, stored_at FROM presses WHERE counted"
    )
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.drop_column("counted")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bindings_seen", sa.Integer(), nullable=True))
    with op.batch_alter_table("ballot_meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bindings_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "binding_changes",
        sa.Column("change_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learned_seq", sa.Integer(), nullable=False),
        sa.Column("meeting", sa.String(length=32), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
        sa.Column("member", sa.String(length=6), nullable=False),
        sa.Column("bound", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("change_id"),
    )
    op.create_index(
        "ix_binding_changes_learned", "binding_changes", ["meeting", "learned_seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_binding_changes_learned", table_name="binding_changes")
    op.drop_table("binding_changes")
    with op.batch_alter_table("ballot_meetings", schema=None) as batch_op:
        batch_op.drop_column("bindings_version")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_column("bindings_seen")
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute(
        "UPDATE presses SET counted = true WHERE EXISTS (SELECT 1 FROM counted_presses c"
        " WHERE c.vote_id = presses.vote_id AND c.member = presses.member"
        " AND c.handset = presses.handset AND c.seq = presses.seq)"
    )
    op.drop_table("counted_presses")
    with op.batch_alter_table("presses", schema=None) as batch_op:
        batch_op.drop_index("ix_presses_unplaced")
        batch_op.drop_index("ix_presses_vote")
        batch_op.create_index("ix_presses_counted", ["vote_id", "member", "counted"], unique=False)
        batch_op.drop_column("reason")
        batch_op.drop_column("heard_at")
