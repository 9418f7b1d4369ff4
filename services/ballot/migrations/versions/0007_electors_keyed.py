"""electors keyed by (vote, member): no id, no second index, no foreign key

Opening a vote writes its whole electorate (100,000 rows at a congress). On
PostgreSQL the foreign key to ``votes`` was checked by a query per row and
cost more than writing the rows; the ``id`` column (a sequence value per row)
and the index on ``vote_id`` (the key's first column already serves it) each
filled a b-tree of their own. On SQLite the table is WITHOUT ROWID: the key
is the table. Rebuilt rather than altered, the same on both databases.

Revision ID: 0007_electors
Revises: 0006_who
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007_electors"
down_revision: str | None = "0006_who"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "vote_id, member, name, weight, handset"


def _values() -> list[sa.Column[object]]:
    return [
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("handset", sa.String(length=6), nullable=False),
    ]


def _replace(*definition: Any, **options: Any) -> None:
    """The electors table rebuilt as ``definition``, its rows kept."""
    op.create_table("electors_new", *definition, **options)
    op.execute(f"INSERT INTO electors_new ({COLUMNS}) SELECT {COLUMNS} FROM electors")
    op.drop_table("electors")
    op.rename_table("electors_new", "electors")


def upgrade() -> None:
    _replace(
        *_values(),
        sa.PrimaryKeyConstraint("vote_id", "member", name="pk_electors"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    _replace(
        sa.Column("id", sa.Integer(), nullable=False),
        *_values(),
        sa.ForeignKeyConstraint(["vote_id"], ["votes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "member"),
    )
    with op.batch_alter_table("electors") as batch_op:
        batch_op.create_index(batch_op.f("ix_electors_vote_id"), ["vote_id"], unique=False)
