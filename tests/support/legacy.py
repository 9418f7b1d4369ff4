"""Rows as an older version stored them: what today's API would refuse."""

from __future__ import annotations

from sqlalchemy import create_engine, update

from services.ballot.models import Vote
from services.common.database import sync_url


def store_majority(
    ballot_database_url: str, vote_id: int, *, numerator: int, denominator: int, inclusive: bool
) -> None:
    """Write a vote's majority straight into ballot's table, unchecked, as
    ballot did before it checked majorities against the offered rules.

    Synchronous (a short write while the services are idle), so browser tests
    can call it as well as async ones.
    """
    engine = create_engine(sync_url(ballot_database_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                update(Vote)
                .where(Vote.id == vote_id)
                .values(
                    majority_numerator=numerator,
                    majority_denominator=denominator,
                    majority_inclusive=inclusive,
                )
            )
    finally:
        engine.dispose()
