"""``alv users`` and ``alv tokens``: staff accounts and machine tokens, on the database.

They work on registration's database directly (``REGISTRATION_DATABASE_URL``,
else the SQLite file in ``--data-dir``), migrated first, so the first
secretariat account and the first tokens can be made before anything runs and
without a token to make them with. Afterwards the secretariat manages both on
the accounts page as well.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Role
from services.common.database import Database
from services.common.errors import AlvError
from services.common.migrations import upgrade
from services.registration import accounts
from services.registration.config import RegistrationSettings

SERVICE_DIR = Path(accounts.__file__).parent
T = TypeVar("T")


def database_url(args: argparse.Namespace) -> str:
    settings = RegistrationSettings()
    if args.data_dir is not None:
        settings = settings.model_copy(update={"data_dir": args.data_dir})
    return settings.resolved_database_url("registration")


def in_transaction(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Migrate registration's database, then run ``work`` in one transaction."""
    upgrade(SERVICE_DIR, url)

    async def run() -> T:
        database = Database(url)
        try:
            async with database.sessionmaker() as session, session.begin():
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(run())


def new_password() -> str:
    """Five groups of four letters and digits: easy to read out and type, ~100 bits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(5)]
    return "-".join(groups)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password to set, and whether it was made here (then it is printed)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if args.ask:
        return getpass.getpass("Wachtwoord: "), False
    return new_password(), True


def add_user(args: argparse.Namespace) -> int:
    password, made = _password(args)
    roles = frozenset(Role(r) for r in args.role)

    async def work(session: AsyncSession) -> str:
        account = await accounts.create_account(
            session,
            login=args.login,
            display_name=args.name or args.login,
            roles=roles,
            password=password,
        )
        return account.login

    login = in_transaction(database_url(args), work)
    print(f"Account '{login}' aangemaakt ({', '.join(sorted(roles))}).")
    if made:
        print(f"Wachtwoord (eenmalig getoond): {password}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        sessions = await accounts.active_sessions(session)
        return [
            f"{a.login:<24} {a.display_name:<30} {a.roles:<30}"
            f" {'uitgeschakeld' if a.disabled else 'actief':<13} {sessions.get(a.id, 0)} sessies"
            for a in await accounts.accounts(session)
        ]

    for line in in_transaction(database_url(args), work):
        print(line)
    return 0


def disable_user(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        account = await accounts.get_account(session, args.login)
        await accounts.set_disabled(session, account, not args.enable)

    in_transaction(database_url(args), work)
    print(f"Account '{args.login}' {'ingeschakeld' if args.enable else 'uitgeschakeld'}.")
    return 0


def reset_user(args: argparse.Namespace) -> int:
    password, made = _password(args)

    async def work(session: AsyncSession) -> None:
        account = await accounts.get_account(session, args.login)
        await accounts.reset_password(session, account, password)

    in_transaction(database_url(args), work)
    print(f"Nieuw wachtwoord voor '{args.login}'; open sessies zijn beëindigd.")
    if made:
        print(f"Wachtwoord (eenmalig getoond): {password}")
    return 0


def create_token(args: argparse.Namespace) -> int:
    roles = frozenset(Role(r) for r in args.role)

    async def work(session: AsyncSession) -> str:
        return await accounts.create_token(session, name=args.name, roles=roles)

    token = in_transaction(database_url(args), work)
    print(token)
    return 0


def list_tokens(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        return [
            f"{t.name:<32} {t.roles:<24}"
            f" {'ingetrokken ' + t.revoked_at.isoformat() if t.revoked_at else 'geldig'}"
            for t in await accounts.tokens(session)
        ]

    for line in in_transaction(database_url(args), work):
        print(line)
    return 0


def revoke_token(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        await accounts.revoke_token(session, args.name)

    in_transaction(database_url(args), work)
    print(f"Token '{args.name}' ingetrokken.")
    return 0


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except AlvError as exc:
            print(exc.detail, file=sys.stderr)
            return 1

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite files are (without REGISTRATION_DATABASE_URL); default data/",
    )


def _password_options(parser: argparse.ArgumentParser) -> None:
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    given.add_argument("--ask", action="store_true", help="ask for it (not echoed)")


PEOPLE = sorted(r.value for r in (Role.SECRETARIAT, Role.CHAIR, Role.DESK, Role.AUDITOR))
MACHINES = sorted(r.value for r in (Role.GATEWAY, Role.SERVICE, Role.INTEGRATOR))


def register_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = subparsers.add_parser("users", help="staff accounts: add, list, disable, reset")
    commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = commands.add_parser("add", help="a new account (prints a made-up password)")
    add.add_argument("login")
    add.add_argument("--name", help="the person's name as shown (default: the login)")
    add.add_argument("--role", action="append", required=True, choices=PEOPLE)
    _password_options(add)
    add.set_defaults(handler=_guarded(add_user))

    listed = commands.add_parser("list", help="every account")
    listed.set_defaults(handler=_guarded(list_users))

    disable = commands.add_parser("disable", help="no more logins; open sessions end")
    disable.add_argument("login")
    disable.set_defaults(handler=_guarded(disable_user), enable=False)
    enable = commands.add_parser("enable", help="allow logins again")
    enable.add_argument("login")
    enable.set_defaults(handler=_guarded(disable_user), enable=True)

    reset = commands.add_parser("reset-password", help="a new password; open sessions end")
    reset.add_argument("login")
    _password_options(reset)
    reset.set_defaults(handler=_guarded(reset_user))

    tokens = subparsers.add_parser("tokens", help="machine tokens: create, list, revoke")
    actions = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="a new named token (printed once)")
    create.add_argument("name")
    create.add_argument("--role", action="append", required=True, choices=MACHINES)
    create.set_defaults(handler=_guarded(create_token))
    listed_tokens = actions.add_parser("list", help="every token by name")
    listed_tokens.set_defaults(handler=_guarded(list_tokens))
    revoke = actions.add_parser("revoke", help="the token stops working within seconds")
    revoke.add_argument("name")
    revoke.set_defaults(handler=_guarded(revoke_token))

    for parser in (add, listed, disable, enable, reset, create, listed_tokens, revoke):
        _common(parser)
