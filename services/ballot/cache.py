"""What a process keeps of a meeting between batches, checked every batch.

Every batch locks the meeting row first (repository_presses.lock_meeting); that
row says which version of the meeting's vote times (``version``, grown by
every open and close) and of its binding changes (``bindings_version``,
grown by every change learnt) is current. A process keeps both per meeting
and rereads only when the row says they moved on, so several ballot
processes on one database stay correct while a batch usually reads neither.
What never changes once a vote is open lives in frozen.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from services.ballot import repository
from services.ballot.repository_presses import MeetingLock
from services.ballot.rules import BindingChange, VoteSpan


@dataclass
class _Changes:
    version: int = 0
    # handset -> its changes, oldest first
    by_handset: dict[str, list[BindingChange]] = field(default_factory=lambda: defaultdict(list))


class MeetingCache:
    def __init__(self) -> None:
        self._spans: dict[str, tuple[int, list[VoteSpan]]] = {}
        self._changes: dict[str, _Changes] = {}

    async def spans(self, session: AsyncSession, lock: MeetingLock) -> Sequence[VoteSpan]:
        """When each vote of the meeting was open."""
        kept = self._spans.get(lock.code)
        if kept is not None and kept[0] == lock.version:
            return kept[1]
        spans = [
            VoteSpan(row.id, row.opened_at, row.closed_at)
            for row in await repository.vote_spans(session, lock.code)
        ]
        self._spans[lock.code] = (lock.version, spans)
        return spans

    async def changes(
        self, session: AsyncSession, lock: MeetingLock, *, keep: bool = True
    ) -> Mapping[str, Sequence[BindingChange]]:
        """The desk's binding changes of the meeting, per handset, oldest first.

        ``keep=False`` when this transaction wrote changes itself: what it
        reads may yet be rolled back, so it is read afresh and not kept.
        """
        kept = self._changes.get(lock.code) if keep else None
        if kept is not None and kept.version == lock.bindings_version:
            return kept.by_handset
        if kept is None or kept.version > lock.bindings_version:
            kept = _Changes()
        touched = set()
        for row in await repository.changes_learned(session, lock.code, after=kept.version):
            kept.by_handset[row.handset].append(BindingChange(row.change_id, row.member, row.bound))
            touched.add(row.handset)
        for handset in touched:
            # Learnt in any order (a retried delivery); registration's order counts.
            kept.by_handset[handset].sort(key=lambda change: change.change_id)
        kept.version = lock.bindings_version
        if keep:
            self._changes[lock.code] = kept
        return kept.by_handset
