"""Who may use the staff pages, chosen in one place for every service.

    SecretariatPage = Annotated[Staff, Depends(page_access(Role.ADMIN))]
    actor(who)      # what the audit log records for the person acting

Until people log in with accounts, the preparation pages admit the bearer
token of a role, as the API does (a browser sends it in a header). When
accounts arrive, ``page_access`` becomes their ``require_page`` (a browser
without a session is sent to the login page) and ``actor`` the person's login.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from services.common.auth import Role, require

Staff = Role


def page_access(*roles: Role) -> Callable[[Request], Awaitable[Staff]]:
    return require(*roles)


def actor(who: Staff) -> str:
    return who.value
