"""Rows as an older version stored them: what today's API would refuse."""

from __future__ import annotations

from sqlalchemy import update

from services.ballot.models import Vote
from services.common.database import Database


async def store_majority(
    ballot_database_url: str, vote_id: int, *, numerator: int, denominator: int, inclusive: bool
) -> None:
    """Write a vote's majority straight into ballot's table, unchecked, as
    ballot did before it checked majorities against the offered rules."""
    database = Database(ballot_database_url)
    try:
        async with database.sessionmaker() as session:
            await session.execute(
                update(Vote)
                .where(Vote.id == vote_id)
                .values(
                    majority_numerator=numerator,
                    majority_denominator=denominator,
                    majority_inclusive=inclusive,
                )
            )
            await session.commit()
    finally:
        await database.dispose()
