"""Tables of the registration service."""

from __future__ import annotations

import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.database import UtcDateTime, utcnow


class Base(DeclarativeBase):
    """The registration service's own metadata: each service owns its schema."""


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[datetime.date] = mapped_column(Date)
    population_date: Mapped[datetime.date] = mapped_column(Date)
    # Key of the HMAC on the stemkaarten; never leaves this service.
    card_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The run of mailing stemkaarten that holds this meeting until then
    # (mailing.py): one run at a time, across processes.
    mailing_run: Mapped[str | None] = mapped_column(String(64))
    mailing_until: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("meeting_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(200))
    # None until staff supply a figure (a merged municipality): never guessed.
    population: Mapped[int | None] = mapped_column(Integer)
    population_date: Mapped[datetime.date | None] = mapped_column(Date)
    population_source: Mapped[str | None] = mapped_column(String(300))
    weight: Mapped[int | None] = mapped_column(Integer)
    # The gemeentesecretaris, who receives the stemkaart by e-mail.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))


class VotingCard(Base):
    __tablename__ = "voting_cards"
    __table_args__ = (UniqueConstraint("member_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    issued_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class Registration(Base):
    """A member present in the room with a handset; ends when it is returned."""

    __tablename__ = "registrations"
    __table_args__ = (
        # At most one active registration per member and per handset.
        Index(
            "uq_registration_active_member",
            "member_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index(
            "uq_registration_active_handset",
            "meeting_id",
            "handset",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    handset: Mapped[str] = mapped_column(String(6))
    registered_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    returned_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    # What the representative showed: "card" (the stemkaart's barcode, also on
    # a machtigingsformulier), "forgotten_card" or "authorisation_form" (found
    # by name, on the officer's named confirmation).
    admitted_by: Mapped[str] = mapped_column(String(20), default="card", server_default="card")
    officer: Mapped[str | None] = mapped_column(String(100))


class BindingChange(Base):
    """A handset bound to a member, or its binding ended (returned, swapped out).

    Written in the desk's transaction; the outbox (bindings.py) delivers it to
    ballot after the commit and before the desk is answered, and again until
    ballot has taken it (``delivered_at``). The id orders the changes.
    """

    __tablename__ = "binding_changes"
    __table_args__ = (
        Index("ix_binding_changes_meeting", "meeting_id", "id"),
        Index(
            "ix_binding_changes_undelivered",
            "id",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    member_code: Mapped[str] = mapped_column(String(6))
    handset: Mapped[str] = mapped_column(String(6))
    bound: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """Who did what when: a meeting's entries, and (``meeting_id`` None) the
    accounts' own (a login locked, an account or token made or changed)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Who: an account's login or a machine token's name.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    member_code: Mapped[str | None] = mapped_column(String(6))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class CardMail(Base):
    """One attempt to e-mail a stemkaart: the send log staff read and resend from.

    A refusal the SMTP server gives while we talk to it is recorded here; a
    bounce that arrives later as a delivery report cannot be, because nothing
    reads the sender's mailbox.
    """

    __tablename__ = "card_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    card_version: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10))  # "sent" or "failed"
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    attempted_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class HandsetSighting(Base):
    """What the gateway last heard of a handset: a press (KEY) or a heartbeat (STAT).

    Reported by the gateway every few seconds; the newest sighting wins, so a
    late report never turns the clock back. Read by the handset registry.
    """

    __tablename__ = "handset_sightings"
    __table_args__ = (UniqueConstraint("meeting_id", "handset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    handset: Mapped[str] = mapped_column(String(6))
    receiver: Mapped[str] = mapped_column(String(8))
    rssi: Mapped[int] = mapped_column(Integer)
    battery: Mapped[int] = mapped_column(Integer)
    last_seen: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class Account(Base):
    """A person who works the meeting: a login, a name, roles and a password.

    ``roles`` is a comma-separated list of people roles (auth.PEOPLE_ROLES).
    The password is kept only as an Argon2id hash (accounts.py). Failed
    logins in a row and the lock they lead to live here (lockout.py).
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_changed_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginSession(Base):
    """One login of an account; the browser holds its random id, we its SHA-256.

    Ends at ``expires_at`` (absolute), after ``idle`` without use (checked
    against ``last_seen_at``), or when ``ended_at`` is set (logout, the
    secretariat, a disabled account).
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)


class MachineToken(Base):
    """A named, revocable bearer token of one machine (a gateway, a service, an
    integrator); kept as its SHA-256 only (a token is 256 random bits, so a
    fast hash suffices where a password needs Argon2)."""

    __tablename__ = "machine_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
