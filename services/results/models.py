"""Tables of the results service."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.database import UtcDateTime, utcnow


class Base(DeclarativeBase):
    """The results service's own metadata: each service owns its schema."""


class ResultsMeeting(Base):
    """Per meeting: the head of its chain of outcomes, locked while one is added.

    Serialising on it means two requests that store outcomes at the same time
    cannot both link to the same predecessor: the chain never forks.
    """

    __tablename__ = "results_meetings"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    length: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str | None] = mapped_column(String(64))


class StoredOutcome(Base):
    """The outcome of a closed vote, computed once and never changed.

    ``outcome_json`` is canonical JSON (sorted keys, no spaces), so its bytes,
    and with them ``outcome_hash``, are the same however often it is read.
    """

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("meeting", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(Integer, unique=True)
    meeting: Mapped[str] = mapped_column(ForeignKey("results_meetings.code"), index=True)
    # 1, 2, 3 ... in the order the votes closed.
    sequence: Mapped[int] = mapped_column(Integer)
    outcome_json: Mapped[str] = mapped_column(Text)
    # sha256 of the canonical vote definition, frozen electorate and counted presses.
    inputs_hash: Mapped[str] = mapped_column(String(64))
    outcome_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    stored_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ScreenSetting(Base):
    """Per meeting: what the projector screen shows beyond the defaults.

    ``show_tally``: the chair chose to show the running tally of an open vote
    on ``/chair/{meeting}``; off by default, so nobody sees a trend while the
    room is still voting unless the chair wants that.
    """

    __tablename__ = "screen_settings"

    meeting: Mapped[str] = mapped_column(String(32), primary_key=True)
    show_tally: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Publication(Base):
    """Per meeting: whether the stemgedrag (who voted what) is public yet.

    ``mode``: ``after_meeting`` (the default, as the VNG does: the secretariat
    publishes it with ``published_at``) or ``at_once`` (public as soon as a
    vote closes). Outcomes are public either way; only the per-municipality
    choices of named votes wait. Publishing is never undone.
    """

    __tablename__ = "publications"

    # The meeting's code (named ``code`` like ``ResultsMeeting``'s, for ``lock_or_create``).
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="after_meeting")
    published_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))


class PublicationLogEntry(Base):
    """Who changed the publication of a meeting, and when (append-only)."""

    __tablename__ = "publication_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    # "publication.mode_changed" or "stemgedrag.published"
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
