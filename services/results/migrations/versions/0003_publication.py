"""publication: the stemgedrag public after the meeting, or at once; who published it

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
    op.create_table(
        "publications",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "publication_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("publication_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_log_meeting"), ["meeting"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("publication_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_log_meeting"))
    op.drop_table("publication_log")
    op.drop_table("publications")
