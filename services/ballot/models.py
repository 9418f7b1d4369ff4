"""Tables of the ballot service."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
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
    # Grows with every open and close, so a follower can see a change it missed.
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_closed_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
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
    amends_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    part_of_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    follows_vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    # "vote" (weighted, by handsets) or "acclamation" (nobody objected).
    decided_by: Mapped[str] = mapped_column(String(12), default="vote", server_default="vote")
    acclamation_adopted: Mapped[bool | None] = mapped_column(Boolean)


class Elector(Base):
    """A member of a vote's electorate, frozen when the vote opened."""

    __tablename__ = "electors"
    __table_args__ = (UniqueConstraint("vote_id", "member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id"), index=True)
    member: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column(Integer)
    handset: Mapped[str] = mapped_column(String(6))


class Press(Base):
    """Every press that reached us, counted or not."""

    __tablename__ = "presses"
    __table_args__ = (
        Index("ix_presses_dedupe", "meeting", "handset", "seq"),
        Index("ix_presses_counted", "vote_id", "member", "counted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(String(32))
    # The open vote for OK/BADKEY/DENY, the just-closed vote for LATE, none for NOPOLL.
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"))
    receiver: Mapped[str] = mapped_column(String(8))
    handset: Mapped[str] = mapped_column(String(6))
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[int] = mapped_column(Integer)
    rssi: Mapped[int] = mapped_column(Integer)
    battery: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    stored_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(6))
    member: Mapped[str | None] = mapped_column(String(6))
    # Exactly one counted press per member per vote: its latest OK press.
    counted: Mapped[bool] = mapped_column(Boolean, default=False)


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
