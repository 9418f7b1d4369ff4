"""handset sightings from the gateway; how a representative was admitted

Revision ID: 0003_handsets
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_handsets"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handset_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
        sa.Column("receiver", sa.String(length=8), nullable=False),
        sa.Column("rssi", sa.Integer(), nullable=False),
        sa.Column("battery", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "handset"),
    )
    with op.batch_alter_table("handset_sightings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handset_sightings_meeting_id"), ["meeting_id"], unique=False
        )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("admitted_by", sa.String(length=20), server_default="card", nullable=False)
        )
        batch_op.add_column(sa.Column("officer", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("officer")
        batch_op.drop_column("admitted_by")
    with op.batch_alter_table("handset_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handset_sightings_meeting_id"))
    op.drop_table("handset_sightings")
