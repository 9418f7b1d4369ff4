"""Tables of the ballot service."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.database import UtcDateTime, utcnow


class Base(DeclarativeBase):
    """The ballot service's own metadata: each service owns its schema."""


class BallotMeeting(Base):
    """Per meeting: the row every state change and press batch locks first.

    Serialising on it makes "one open vote at a time" and "a press is either
    stored before the close or refused as late" true on PostgreSQL too, where
    two requests really do run at once.
    """

    __tablename__ = "ballot_meetings"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Grows with every open and close, so a follower can see a change it missed
    # (and a process knows its copy of the vote times is current: cache.py).
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_closed_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    # The binding changes learnt for the meeting so far (BindingChange.learned_seq).
    bindings_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The meeting's base: whether abstentions count as cast (DOMAIN.md: per
    # meeting, explicit). A vote follows it unless it says otherwise.
    abstentions_cast: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Vote(Base):
    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(ForeignKey("ballot_meetings.code"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    agenda_item: Mapped[str | None] = mapped_column(String(100))
    # An election names the office it fills ("vicevoorzitter"), for the minutes.
    office: Mapped[str | None] = mapped_column(String(100))
    # [{"key": 1, "label": "voor", "role": "for"}, ...]
    options: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    majority_numerator: Mapped[int] = mapped_column(Integer, default=1)
    majority_denominator: Mapped[int] = mapped_column(Integer, default=2)
    majority_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    abstentions_cast: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while the vote follows the meeting's base (a prepared vote then
    # changes with it); True when it was set for this vote.
    base_overridden: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    named: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default="prepared")
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    opened_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    annulled_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    annulled_reason: Mapped[str | None] = mapped_column(Text)
    # Who did it: an account's login or a machine token's name (auth.Principal).
    created_by: Mapped[str | None] = mapped_column(String(64))
    opened_by: Mapped[str | None] = mapped_column(String(64))
    closed_by: Mapped[str | None] = mapped_column(String(64))
    annulled_by: Mapped[str | None] = mapped_column(String(64))
    amends_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    part_of_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    follows_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    # "vote" (weighted, by handsets) or "acclamation" (nobody objected).
    decided_by: Mapped[str] = mapped_column(String(12), default="vote", server_default="vote")
    acclamation_adopted: Mapped[bool | None] = mapped_column(Boolean)
    # The registration's last binding change the frozen electorate reflects:
    # changes after it are applied on top (bindings.py).
    bindings_seen: Mapped[int | None] = mapped_column(Integer)


class Elector(Base):
    """A member of a vote's electorate, frozen when the vote opened.

    100,000 rows are written at once when a congress opens a vote, so the
    table keeps one index only, its key, and no foreign key to ``votes``: on
    PostgreSQL a foreign key is checked by a query per row, which cost the
    database more than writing the rows (migration 0007). Only ``open_vote``
    writes electors, for the vote it has just locked and opened, and a vote
    that was opened is never deleted. On SQLite the key is the table itself
    (WITHOUT ROWID): one b-tree to fill instead of two.
    """

    __tablename__ = "electors"
    __table_args__ = (
        PrimaryKeyConstraint("vote_id", "member", name="pk_electors"),
        {"sqlite_with_rowid": False},
    )

    vote_id: Mapped[int] = mapped_column(Integer)
    member: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)
    handset: Mapped[str] = mapped_column(String(6))


class Press(Base):
    """Every press that reached us, counted or not, with its status and why."""

    __tablename__ = "presses"
    __table_args__ = (
        Index("ix_presses_dedupe", "meeting", "handset", "seq"),
        # A vote's presses; and the counted one of a member (CountedPress).
        Index("ix_presses_vote", "vote_id", "handset", "seq"),
        # NOPOLL presses belong to no vote; the auditors find them by arrival.
        Index(
            "ix_presses_unplaced",
            "meeting",
            "stored_at",
            sqlite_where=text("vote_id IS NULL"),
            postgresql_where=text("vote_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(String(32))
    # The vote it was heard in (OK/BADKEY/DENY), or is LATE for; none for NOPOLL.
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    receiver: Mapped[str] = mapped_column(String(8))
    handset: Mapped[str] = mapped_column(String(6))
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[int] = mapped_column(Integer)
    rssi: Mapped[int] = mapped_column(Integer)
    battery: Mapped[int] = mapped_column(Integer)
    # The gateway's clock: when it first heard the press (PROTOCOL.md 1.1).
    received_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    # Our clock: when it was heard (rules.heard_at); None when its times contradict.
    heard_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    # Our clock: when its batch reached us.
    stored_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(6))
    # rules.Reason for every status but OK.
    reason: Mapped[str | None] = mapped_column(String(24))
    member: Mapped[str | None] = mapped_column(String(6))


class CountedPress(Base):
    """The press that counts, one per member of a vote: its latest OK press.

    A narrow row per member, replaced in place when the member presses again
    (one upsert per batch), rather than a flag on the wide press rows that
    every replacement would rewrite with all their indexes.
    """

    __tablename__ = "counted_presses"

    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    member: Mapped[str] = mapped_column(String(6), primary_key=True)
    # The press: (vote_id, handset, seq) is one press of the vote.
    handset: Mapped[str] = mapped_column(String(6))
    seq: Mapped[int] = mapped_column(Integer)
    heard_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class ElectorHandset(Base):
    """A handset that took over an elector's binding while the vote was open.

    The frozen electorate keeps the handset the member had at the open; a
    handset swapped at the desk afterwards is recorded here, so its presses
    count for the same member and the record shows both handsets.
    """

    __tablename__ = "elector_handsets"
    __table_args__ = (UniqueConstraint("vote_id", "handset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    member: Mapped[str] = mapped_column(String(6))
    handset: Mapped[str] = mapped_column(String(6))
    bound_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class BindingChange(Base):
    """A change the desk made to a handset's binding, as registration told us.

    ``change_id`` is registration's: delivering a change twice stores it once,
    and registration's order is the order of the desk's commits. A handset's
    latest change decides who it votes for.
    """

    __tablename__ = "binding_changes"
    __table_args__ = (Index("ix_binding_changes_learned", "meeting", "learned_seq"),)

    change_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Per meeting, in the order we learnt them (under the meeting lock), so a
    # process catches up on what it has not seen yet.
    learned_seq: Mapped[int] = mapped_column(Integer)
    meeting: Mapped[str] = mapped_column(String(32))
    handset: Mapped[str] = mapped_column(String(6))
    member: Mapped[str] = mapped_column(String(6))
    # True: bound to the member; False: the binding ended (returned, swapped out).
    bound: Mapped[bool] = mapped_column(Boolean)
    # Registration's clock, for the record; our clock when we learnt it.
    changed_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    learned_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Event(Base):
    """What happened in a meeting, in commit order: the event stream's source.

    Written in the transaction of the change it describes, after the meeting
    lock is taken; so within one meeting ids grow in commit order and the id
    is a cursor a reconnecting client can resume from without gaps.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_meeting_id", "meeting", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    vote_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
