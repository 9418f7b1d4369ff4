"""contacts and card mail log

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
        "card_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("card_mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_mails_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_mails_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
        batch_op.drop_column("contact_name")

    with op.batch_alter_table("card_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_mails_member_id"))
        batch_op.drop_index(batch_op.f("ix_card_mails_meeting_id"))

    op.drop_table("card_mails")
