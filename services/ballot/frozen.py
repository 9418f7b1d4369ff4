"""What never changes once a vote is open, kept per process.

A vote's electorate is frozen when it opens, and its keys never change: so
each process keeps it in memory, built from the database the first time a
batch needs it (or by the process that opened the vote), instead of reading
every elector for every batch. Nothing here can go stale: what does change
during a vote (the desk's binding changes, the vote's state) is read from the
database under the meeting lock for every batch, so several ballot processes
on one PostgreSQL stay correct.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import repository

# Votes kept per process: the open one and a few before it (an electorate of
# 100,000 takes about 15 MB).
KEEP = 4


@dataclass(frozen=True, slots=True)
class FrozenVote:
    id: int
    meeting: str
    keys: frozenset[int]
    named: bool
    # Registration's last binding change the electorate reflects.
    bindings_seen: int
    # handset -> member, as bound when the vote opened
    handsets: Mapping[str, str]
    members: frozenset[str]


def frozen_vote(
    *,
    vote_id: int,
    meeting: str,
    options: list[dict[str, object]],
    named: bool,
    bindings_seen: int | None,
    handsets: Mapping[str, str],
) -> FrozenVote:
    return FrozenVote(
        id=vote_id,
        meeting=meeting,
        keys=frozenset(int(str(option["key"])) for option in options),
        named=named,
        bindings_seen=bindings_seen or 0,
        handsets=handsets,
        members=frozenset(handsets.values()),
    )


class FrozenVotes:
    """The frozen votes this process has needed, most recent last."""

    def __init__(self) -> None:
        self._votes: OrderedDict[int, FrozenVote] = OrderedDict()

    def keep(self, vote: FrozenVote) -> None:
        self._votes[vote.id] = vote
        self._votes.move_to_end(vote.id)
        while len(self._votes) > KEEP:
            self._votes.popitem(last=False)

    async def get(self, session: AsyncSession, vote_id: int) -> FrozenVote:
        found = self._votes.get(vote_id)
        if found is not None:
            self._votes.move_to_end(vote_id)
            return found
        row = await repository.frozen_vote(session, vote_id)
        assert row is not None, f"vote {vote_id} is gone"
        pairs = await repository.elector_handsets_at_open(session, vote_id)
        vote = frozen_vote(
            vote_id=vote_id,
            meeting=row.meeting,
            options=row.options,
            named=row.named,
            bindings_seen=row.bindings_seen,
            handsets={handset: member for handset, member in pairs},
        )
        self.keep(vote)
        return vote
