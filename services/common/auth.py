"""Roles and bearer tokens.

Five roles (``desk``, ``chair``, ``gateway``, ``auditor``, ``admin``), each
with one token from the settings. A route states which roles it admits;
``admin`` is admitted everywhere. Read-only public routes take no token.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request

from services.common.errors import Forbidden, Unauthorized, raises
from services.common.openapi import asks_token
from services.common.settings import TokenSettings


class Role(enum.StrEnum):
    DESK = "desk"
    CHAIR = "chair"
    GATEWAY = "gateway"
    AUDITOR = "auditor"
    ADMIN = "admin"


def role_for_token(tokens: TokenSettings, presented: str) -> Role | None:
    found = None
    for role in Role:
        expected = getattr(tokens, role.value).get_secret_value()
        # Compare against every role, always, so timing tells nothing.
        if hmac.compare_digest(expected.encode(), presented.encode()):
            found = role
    return found


def generate_tokens() -> dict[str, str]:
    return {role.value: secrets.token_urlsafe(24) for role in Role}


def require(*roles: Role) -> Callable[[Request], Awaitable[Role]]:
    admitted = frozenset(roles) | {Role.ADMIN}

    @raises(Unauthorized, Forbidden)
    @asks_token()
    async def dependency(request: Request) -> Role:
        header = request.headers.get("authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise Unauthorized("Inloggen vereist: geef een geldig toegangstoken mee.")
        tokens: TokenSettings = request.app.state.settings.tokens
        role = role_for_token(tokens, presented.strip())
        if role is None:
            raise Unauthorized("Dit toegangstoken is onbekend.")
        if role not in admitted:
            names = ", ".join(sorted(r.value for r in admitted))
            raise Forbidden(f"De rol '{role.value}' mag dit niet; nodig: {names}.")
        return role

    return dependency
