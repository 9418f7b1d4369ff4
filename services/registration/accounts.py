"""Staff accounts, their login sessions, and the machines' tokens.

Passwords are hashed with Argon2id (argon2-cffi's ``PasswordHasher``, RFC 9106
defaults), in a worker thread: one hash costs tens of milliseconds of CPU and
must not stall the event loop. A session id and a machine token are 256 random
bits; only their SHA-256 is stored, so a copy of the database logs nobody in.

Sessions end after ``session_hours`` (absolute) or ``session_idle_minutes``
without a request, at logout, when the secretariat ends them, and when the
account is disabled or its password reset.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import math
import re
import secrets
from typing import Literal

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common import lockout
from services.common.auth import MACHINE_ROLES, PEOPLE_ROLES, Principal, Role
from services.common.database import read_only, utcnow
from services.common.errors import AlvError, TooManyAttempts
from services.registration.errors import (
    AccountExists,
    AccountNotFound,
    BadAccount,
    LoginFailed,
    TokenExists,
    TokenNotFound,
)
from services.registration.models import Account, AuditEntry, LoginSession, MachineToken

log = logging.getLogger(__name__)

LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
# A request refreshes its session's ``last_seen_at`` at most this often: a
# write per request would queue every page behind the desk on SQLite.
TOUCH_EVERY = datetime.timedelta(seconds=60)

_hasher = PasswordHasher()
# Verified against when the login is unknown, so that an unknown name takes as
# long as a wrong password and the answer's timing tells nothing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclasses.dataclass(frozen=True)
class SessionPolicy:
    absolute: datetime.timedelta = datetime.timedelta(hours=12)
    idle: datetime.timedelta = datetime.timedelta(hours=2)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_roles(text: str) -> frozenset[Role]:
    return frozenset(Role(part) for part in text.split(",") if part)


def format_roles(roles: frozenset[Role]) -> str:
    return ",".join(sorted(roles))


def person(account: Account) -> Principal:
    return Principal(kind="person", name=account.login, roles=parse_roles(account.roles))


def check_login(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_PATTERN.fullmatch(login):
        raise BadAccount(
            "Een inlognaam is 2 tot 64 tekens: kleine letters, cijfers, punt, streepje of liggend"
            " streepje, en begint met een letter of cijfer."
        )
    return login


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadAccount(f"Een wachtwoord is {MIN_PASSWORD} tot {MAX_PASSWORD} tekens lang.")
    return password


def check_people_roles(roles: frozenset[Role]) -> frozenset[Role]:
    if not roles or not roles <= PEOPLE_ROLES:
        names = ", ".join(sorted(PEOPLE_ROLES))
        raise BadAccount(f"Een account heeft een of meer van deze rollen: {names}.")
    return roles


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def password_matches(stored: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


# --- accounts ---------------------------------------------------------------------


async def find_account(session: AsyncSession, login: str, *, lock: bool = False) -> Account | None:
    """The account (``lock``: held until the transaction ends, so that two
    logins at once count their wrong passwords one after the other)."""
    query = select(Account).where(Account.login == login.strip().lower())
    found: Account | None = await session.scalar(query.with_for_update() if lock else query)
    return found


async def get_account(session: AsyncSession, login: str) -> Account:
    found = await find_account(session, login)
    if found is None:
        raise AccountNotFound(f"Er is geen account '{login}'.")
    return found


async def accounts(session: AsyncSession) -> list[Account]:
    return list(await session.scalars(select(Account).order_by(Account.login)))


async def create_account(
    session: AsyncSession,
    *,
    login: str,
    display_name: str,
    roles: frozenset[Role],
    password: str,
) -> Account:
    login = check_login(login)
    check_people_roles(roles)
    check_password(password)
    if await find_account(session, login) is not None:
        raise AccountExists(f"Er is al een account '{login}'.")
    account = Account(
        login=login,
        display_name=display_name.strip() or login,
        roles=format_roles(roles),
        password_hash=await hash_password(password),
        disabled=False,
        failed_logins=0,
    )
    session.add(account)
    await session.flush()
    return account


async def end_sessions(session: AsyncSession, account: Account) -> int:
    result = await session.execute(
        update(LoginSession)
        .where(LoginSession.account_id == account.id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def set_disabled(session: AsyncSession, account: Account, disabled: bool) -> int:
    account.disabled = disabled
    return await end_sessions(session, account) if disabled else 0


async def reset_password(session: AsyncSession, account: Account, password: str) -> int:
    account.password_hash = await hash_password(check_password(password))
    account.password_changed_at = utcnow()
    account.failed_logins = 0
    account.locked_until = None
    return await end_sessions(session, account)


# --- logging in and out ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoginOutcome:
    """A new session's id and its account, or the refusal to answer with.

    Returned, not raised: a refusal still commits the count of wrong passwords.
    """

    session_id: str = ""
    account: Account | None = None
    refusal: AlvError | None = None


# Wrong passwords for names that have no account, counted like the real ones
# so that a lockout does not tell which names exist (per process, bounded).
_unknown: dict[str, lockout.Attempts] = {}
MAX_UNKNOWN = 10_000


def _attempts(account: Account | None, login: str) -> lockout.Attempts:
    if account is None:
        return _unknown.get(login, lockout.NONE)
    return lockout.Attempts(account.failed_logins, account.last_failed_at)


def _count_failure(
    session: AsyncSession, account: Account | None, login: str, now: datetime.datetime
) -> None:
    counted = lockout.failed(lockout.LOGIN, _attempts(account, login), now)
    if account is None:
        _unknown.pop(login, None)
        _unknown[login] = counted
        while len(_unknown) > MAX_UNKNOWN:
            del _unknown[next(iter(_unknown))]
    else:
        account.failed_logins = counted.failures
        account.last_failed_at = counted.last
        account.locked_until = lockout.locked_until(lockout.LOGIN, counted)
    if lockout.locks(lockout.LOGIN, counted):
        minutes = int(lockout.LOGIN.lock_for.total_seconds() // 60)
        log.warning("login.locked", extra={"login": login, "failures": counted.failures})
        add_account_audit(
            session,
            actor=login,
            action="login_locked",
            failures=counted.failures,
            minutes=minutes,
            known=account is not None,
        )


def _too_many(wait: datetime.timedelta) -> TooManyAttempts:
    seconds = max(1, math.ceil(wait.total_seconds()))
    when = f"{math.ceil(seconds / 60)} minuten" if seconds > 90 else f"{seconds} seconden"
    return TooManyAttempts(
        f"Te veel mislukte pogingen om in te loggen. Probeer het over {when} opnieuw.",
        retry_after=seconds,
    )


async def log_in(
    session: AsyncSession, *, login: str, password: str, policy: SessionPolicy
) -> LoginOutcome:
    """A new session for the account, or a refusal that says nothing of why.

    Wrong passwords in a row slow the next attempt and then lock the login
    (``lockout.LOGIN``); an unknown name is counted the same way.
    """
    login = login.strip().lower()[:64]
    now = utcnow()
    account = await find_account(session, login, lock=True)
    wait = lockout.wait(lockout.LOGIN, _attempts(account, login), now)
    if wait > datetime.timedelta(0):
        return LoginOutcome(refusal=_too_many(wait))
    stored = account.password_hash if account is not None else _DUMMY_HASH
    matches = await password_matches(stored, password[:MAX_PASSWORD])
    if account is None or not matches or account.disabled:
        _count_failure(session, account, login, now)
        return LoginOutcome(
            refusal=LoginFailed("Inloggen mislukt: onbekende naam of verkeerd wachtwoord.")
        )
    account.failed_logins = 0
    account.last_failed_at = None
    account.locked_until = None
    return LoginOutcome(session_id=open_session(session, account, policy), account=account)


def open_session(session: AsyncSession, account: Account, policy: SessionPolicy) -> str:
    """A new session of ``account``; its id (the cookie's value), shown only now."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginSession(
            account_id=account.id,
            id_hash=digest(session_id),
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    return session_id


def add_account_audit(session: AsyncSession, *, actor: str, action: str, **details: object) -> None:
    """An entry of the accounts' own audit log (no meeting): who, what, when."""
    session.add(AuditEntry(meeting_id=None, actor=actor, action=action, details=details))


async def log_out(session: AsyncSession, session_id: str) -> None:
    await session.execute(
        update(LoginSession)
        .where(LoginSession.id_hash == digest(session_id), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


async def session_principal(
    sessions: async_sessionmaker[AsyncSession], session_id: str, policy: SessionPolicy
) -> Principal | None:
    """Who the session belongs to while it lasts; refreshes its idle clock."""
    now = utcnow()
    async with sessions() as session:
        await read_only(session)
        row = (
            await session.execute(
                select(LoginSession, Account)
                .join(Account, Account.id == LoginSession.account_id)
                .where(LoginSession.id_hash == digest(session_id))
            )
        ).first()
    if row is None:
        return None
    login_session, account = row
    if (
        login_session.ended_at is not None
        or account.disabled
        or now >= login_session.expires_at
        or now - login_session.last_seen_at >= policy.idle
    ):
        return None
    if now - login_session.last_seen_at >= TOUCH_EVERY:
        async with sessions() as session, session.begin():
            await session.execute(
                update(LoginSession)
                .where(LoginSession.id == login_session.id)
                .values(last_seen_at=now)
            )
    return person(account)


# --- machine tokens ---------------------------------------------------------------


async def create_token(session: AsyncSession, *, name: str, roles: frozenset[Role]) -> str:
    """A new token (shown once; only its hash is kept)."""
    name = check_login(name)
    if not roles or not roles <= MACHINE_ROLES:
        names = ", ".join(sorted(MACHINE_ROLES))
        raise BadAccount(f"Een token heeft een of meer van deze rollen: {names}.")
    if await session.scalar(select(MachineToken).where(MachineToken.name == name)) is not None:
        raise TokenExists(f"Er is al een token '{name}'.")
    token = f"alv_{secrets.token_urlsafe(32)}"
    session.add(MachineToken(name=name, roles=format_roles(roles), token_hash=digest(token)))
    await session.flush()
    return token


async def tokens(session: AsyncSession) -> list[MachineToken]:
    return list(await session.scalars(select(MachineToken).order_by(MachineToken.name)))


async def revoke_token(session: AsyncSession, name: str) -> MachineToken:
    found = await session.scalar(select(MachineToken).where(MachineToken.name == name))
    if found is None:
        raise TokenNotFound(f"Er is geen token '{name}'.")
    if found.revoked_at is None:
        found.revoked_at = utcnow()
    return found


async def token_principal(
    sessions: async_sessionmaker[AsyncSession], token: str
) -> Principal | None:
    async with sessions() as session:
        await read_only(session)
        found = await session.scalar(
            select(MachineToken).where(MachineToken.token_hash == digest(token))
        )
    if found is None or found.revoked_at is not None:
        return None
    return Principal(kind="machine", name=found.name, roles=parse_roles(found.roles))


class LocalAuthenticator:
    """Registration's own: it holds the accounts, so it asks its database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: SessionPolicy) -> None:
        self._sessions = sessions
        self._policy = policy

    async def by_session(self, session_id: str) -> Principal | None:
        return await session_principal(self._sessions, session_id, self._policy)

    async def by_token(self, token: str) -> Principal | None:
        return await token_principal(self._sessions, token)


async def active_sessions(session: AsyncSession) -> dict[int, int]:
    """Per account id: how many sessions have not ended (idle ones included)."""
    rows = await session.execute(
        select(LoginSession.account_id, func.count())
        .where(LoginSession.ended_at.is_(None), LoginSession.expires_at > utcnow())
        .group_by(LoginSession.account_id)
    )
    return {account_id: count for account_id, count in rows.all()}


async def audit_entries(session: AsyncSession) -> list[AuditEntry]:
    """The accounts' own entries (no meeting), oldest first."""
    found = await session.scalars(
        select(AuditEntry).where(AuditEntry.meeting_id.is_(None)).order_by(AuditEntry.id)
    )
    return list(found)


AccountChange = Literal["disable", "enable", "end-sessions", "password"]
_AUDITED = {
    "disable": "account_disabled",
    "enable": "account_enabled",
    "end-sessions": "sessions_ended",
    "password": "password_reset",
}


async def change_account(
    session: AsyncSession, *, login: str, change: AccountChange, by: str, password: str = ""
) -> tuple[Account, int]:
    """What the secretariat does to one account, with its audit entry; the
    account and how many of its sessions ended."""
    account = await get_account(session, login)
    ended = 0
    if change in ("disable", "enable"):
        ended = await set_disabled(session, account, change == "disable")
    elif change == "end-sessions":
        ended = await end_sessions(session, account)
    else:
        ended = await reset_password(session, account, password)
    add_account_audit(session, actor=by, action=_AUDITED[change], login=account.login)
    return account, ended
