"""Logging in and out, who a session or token is, and managing accounts and tokens.

``/login`` and ``/logout`` are pages (plain forms, so they work without
JavaScript); the secretariat manages accounts and machine tokens through
``/api/accounts`` and ``/api/tokens``; ballot and results ask
``/api/auth/introspect`` who a session or token belongs to.
"""

from __future__ import annotations

import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.common import labels
from services.common.auth import PEOPLE_ROLES, SESSION_COOKIE, Principal, Role
from services.common.csrf import csrf_cookie_header
from services.common.errors import Invalid, TooManyAttempts, error_for, problem_responses
from services.common.forms import raw_field, raw_values, read_form
from services.common.pages import templates_for, wants_html
from services.registration import accounts
from services.registration.config import session_policy
from services.registration.deps import (
    AccountsAuditAuth,
    AnyAuth,
    SecretariatAuth,
    SecretariatPage,
    ServiceAuth,
    SessionDep,
    SettingsDep,
)
from services.registration.errors import (
    AccountExists,
    AccountNotFound,
    BadAccount,
    LoginFailed,
    TokenExists,
    TokenNotFound,
)
from services.registration.models import Account, MachineToken
from services.registration.schemas import (
    AccountCreate,
    AccountRead,
    AuditRead,
    IntrospectAnswer,
    IntrospectRequest,
    PasswordReset,
    PrincipalRead,
    SessionsEnded,
    TokenCreate,
    TokenCreated,
    TokenRead,
)

templates = templates_for(pathlib.Path(__file__).parent)

router = APIRouter(prefix="/api", tags=["accounts"])
pages = APIRouter(tags=["pages"])

LOGIN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "login": {"type": "string", "maxLength": 200},
                        "password": {"type": "string", "maxLength": 200},
                        "next": {"type": "string", "maxLength": 2000},
                        "csrf_token": {"type": "string", "maxLength": 100},
                    },
                    "required": ["login", "password"],
                }
            }
        },
    }
}
FORM_LIMIT = 8 * 1024
# The login and account forms have a handful of fields; more is not one of ours.
ACCOUNT_FIELDS = 20
ACCOUNT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "login": {"type": "string", "maxLength": 64},
                        "display_name": {"type": "string", "maxLength": 200},
                        "roles": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                        "password": {"type": "string", "maxLength": 200},
                    },
                }
            }
        },
    }
}
Login = Annotated[str, Path(min_length=1, max_length=64)]


def _safe_next(request: Request, wanted: str) -> str:
    """Where to go after logging in: a page of ours, never another site."""
    urls = request.app.state.settings.public_urls
    ours = [u for u in (urls.registration, urls.ballot, urls.results) if u]
    if wanted.startswith("/") and not wanted.startswith(("//", "/\\")):
        return wanted
    if any(wanted == u or wanted.startswith(f"{u}/") for u in ours):
        return wanted
    return "/"


def _login_page(
    request: Request, *, next_url: str, error: str = "", status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "login.html",
        {"next_url": next_url, "error": error},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@pages.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login page of every part of the system (the others send a browser here)."""
    return _login_page(request, next_url=_safe_next(request, next[:2000]))


@pages.post(
    "/login",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={
        303: {"description": "Ingelogd: naar de gevraagde pagina, met de sessiecookie."},
        **problem_responses(LoginFailed, TooManyAttempts),
    },
    openapi_extra=LOGIN_FORM,
    max_body_size=FORM_LIMIT,
)
async def log_in(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Log in with a login name and password: sets ``alv_session``, then to ``next``."""
    # Lenient: an unreadable form is refused as a wrong password is, saying nothing of why.
    form = await read_form(request, lenient=True, max_fields=ACCOUNT_FIELDS)
    next_url = _safe_next(request, (raw_field(form, "next") or "/")[:2000])
    policy = session_policy(settings)
    secure = settings.public_urls.registration.startswith("https://")
    outcome = await accounts.log_in(
        session, login=raw_field(form, "login"), password=raw_field(form, "password"), policy=policy
    )
    if outcome.refusal is not None:
        refusal = outcome.refusal
        if wants_html(request):
            return _login_page(
                request, next_url=next_url, error=refusal.detail, status_code=refusal.status_code
            )
        return error_for(request, refusal)
    response = RedirectResponse(next_url, status_code=status.HTTP_303_SEE_OTHER)
    # The session's CSRF partner (csrf.py), also for a program that never saw a page.
    response.headers.append(
        "set-cookie", csrf_cookie_header(request.state.csrf_token, secure=secure).decode()
    )
    response.set_cookie(
        SESSION_COOKIE,
        outcome.session_id,
        max_age=int(policy.absolute.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


@pages.post(
    "/logout",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={303: {"description": "Uitgelogd: naar de inlogpagina."}},
    max_body_size=FORM_LIMIT,
)
async def log_out(request: Request, session: SessionDep) -> Response:
    """End this browser's session (safe to repeat) and forget its cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        await accounts.log_out(session, session_id[:200])
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# --- who is this ---------------------------------------------------------------------


def _principal_read(principal: Principal) -> PrincipalRead:
    return PrincipalRead.model_validate(principal.as_json())


@router.get("/auth/me")
async def me(principal: AnyAuth) -> PrincipalRead:
    """Who this session or token belongs to, and its roles."""
    return _principal_read(principal)


@router.post("/auth/introspect")
async def introspect(body: IntrospectRequest, request: Request, _: ServiceAuth) -> IntrospectAnswer:
    """For ballot and results: whose is this session or token (``active`` false: nobody's)."""
    authenticator = request.app.state.authenticator
    found: Principal | None = None
    if body.session is not None:
        found = await authenticator.by_session(body.session)
    elif body.token is not None:
        found = await authenticator.by_token(body.token)
    return IntrospectAnswer(
        active=found is not None,
        principal=_principal_read(found) if found is not None else None,
    )


# --- the secretariat's accounts ---------------------------------------------------


def _account_read(account: Account, sessions: dict[int, int]) -> AccountRead:
    return AccountRead(
        login=account.login,
        display_name=account.display_name,
        roles=sorted(accounts.parse_roles(account.roles)),
        disabled=account.disabled,
        locked_until=account.locked_until,
        active_sessions=sessions.get(account.id, 0),
    )


async def _read(session: Any, account: Account) -> AccountRead:
    return _account_read(account, await accounts.active_sessions(session))


@router.get("/accounts")
async def list_accounts(session: SessionDep, _: SecretariatAuth) -> list[AccountRead]:
    """Every staff account, with its roles and how many sessions it has open."""
    sessions = await accounts.active_sessions(session)
    return [_account_read(a, sessions) for a in await accounts.accounts(session)]


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(AccountExists, BadAccount),
)
async def create_account(
    body: AccountCreate, session: SessionDep, by: SecretariatAuth
) -> AccountRead:
    """A new staff account with one or more people roles."""
    account = await accounts.create_account(
        session,
        login=body.login,
        display_name=body.display_name,
        roles=frozenset(Role(r) for r in body.roles),
        password=body.password,
    )
    accounts.add_account_audit(
        session, actor=by.name, action="account_created", login=account.login, roles=body.roles
    )
    return await _read(session, account)


@router.post("/accounts/{login}/disable", responses=problem_responses(AccountNotFound))
async def disable_account(login: Login, session: SessionDep, by: SecretariatAuth) -> AccountRead:
    """No more logins for this account, and its open sessions end now."""
    account, _ = await accounts.change_account(session, login=login, change="disable", by=by.name)
    return await _read(session, account)


@router.post("/accounts/{login}/enable", responses=problem_responses(AccountNotFound))
async def enable_account(login: Login, session: SessionDep, by: SecretariatAuth) -> AccountRead:
    account, _ = await accounts.change_account(session, login=login, change="enable", by=by.name)
    return await _read(session, account)


@router.post("/accounts/{login}/password", responses=problem_responses(AccountNotFound, BadAccount))
async def reset_password(
    login: Login, body: PasswordReset, session: SessionDep, by: SecretariatAuth
) -> AccountRead:
    """A new password (tell it the person in private); their open sessions end."""
    account, _ = await accounts.change_account(
        session, login=login, change="password", by=by.name, password=body.password
    )
    return await _read(session, account)


@router.post("/accounts/{login}/sessions/end", responses=problem_responses(AccountNotFound))
async def end_sessions(login: Login, session: SessionDep, by: SecretariatAuth) -> SessionsEnded:
    """Log this person out everywhere (within a few seconds on ballot and results)."""
    _, ended = await accounts.change_account(
        session, login=login, change="end-sessions", by=by.name
    )
    return SessionsEnded(ended=ended)


@router.get("/accounts/audit", tags=["audit"])
async def accounts_audit(session: SessionDep, _: AccountsAuditAuth) -> list[AuditRead]:
    """The accounts' own audit log: logins locked, accounts and tokens made or changed."""
    return [AuditRead.model_validate(e) for e in await accounts.audit_entries(session)]


# --- machine tokens -------------------------------------------------------------------


def _token_read(token: MachineToken) -> TokenRead:
    return TokenRead(
        name=token.name,
        roles=sorted(accounts.parse_roles(token.roles)),
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )


@router.get("/tokens")
async def list_tokens(session: SessionDep, _: SecretariatAuth) -> list[TokenRead]:
    """Every machine token by name (never the token itself)."""
    return [_token_read(t) for t in await accounts.tokens(session)]


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(TokenExists, BadAccount),
)
async def create_token(body: TokenCreate, session: SessionDep, by: SecretariatAuth) -> TokenCreated:
    """A new named machine token; the answer is the only time it is shown."""
    token = await accounts.create_token(
        session, name=body.name, roles=frozenset(Role(r) for r in body.roles)
    )
    accounts.add_account_audit(
        session, actor=by.name, action="token_created", token=body.name, roles=body.roles
    )
    (created,) = [t for t in await accounts.tokens(session) if t.name == body.name]
    return TokenCreated(**_token_read(created).model_dump(), token=token)


@router.post("/tokens/{name}/revoke", responses=problem_responses(TokenNotFound))
async def revoke_token(name: Login, session: SessionDep, by: SecretariatAuth) -> TokenRead:
    """The token stops working (within a few seconds on ballot and results)."""
    revoked = await accounts.revoke_token(session, name)
    accounts.add_account_audit(session, actor=by.name, action="token_revoked", token=name)
    return _token_read(revoked)


# --- the secretariat's accounts page (htmx) ----------------------------------------------

PEOPLE_LABELS = [(r.value, labels.ROLES[r.value]) for r in sorted(PEOPLE_ROLES)]
NOTICES = {
    "disable": "Account {login} is uitgeschakeld; de open sessies zijn beëindigd.",
    "enable": "Account {login} is weer ingeschakeld.",
    "end-sessions": "De sessies van {login} zijn beëindigd.",
    "password": "Het wachtwoord van {login} is gezet; de open sessies zijn beëindigd.",
}


async def _accounts_page(
    request: Request, session: Any, *, page: str, notice: str = ""
) -> HTMLResponse:
    """The accounts page, or (``_accounts.html``) the part each change swaps in."""
    sessions = await accounts.active_sessions(session)
    listed = [_account_read(a, sessions) for a in await accounts.accounts(session)]
    return templates.TemplateResponse(
        request,
        page,
        {"accounts": listed, "roles": PEOPLE_LABELS, "notice": notice},
        headers={"Cache-Control": "no-store"},
    )


@pages.get("/accounts", response_class=HTMLResponse)
async def accounts_page(request: Request, session: SessionDep, _: SecretariatPage) -> HTMLResponse:
    """The secretariat's page: every account; add, disable, reset, end sessions."""
    return await _accounts_page(request, session, page="accounts.html")


@pages.post(
    "/accounts/new",
    response_class=HTMLResponse,
    responses=problem_responses(AccountExists, BadAccount, Invalid),
    openapi_extra=ACCOUNT_FORM,
    max_body_size=FORM_LIMIT,
)
async def accounts_page_new(
    request: Request, session: SessionDep, by: SecretariatPage
) -> HTMLResponse:
    """A new account from the page's form; answers the table anew."""
    form = await read_form(request, max_fields=ACCOUNT_FIELDS)
    try:
        roles = frozenset(Role(r) for r in raw_values(form, "roles"))
    except ValueError as exc:
        raise BadAccount("Kies een of meer rollen uit de lijst.") from exc
    account = await accounts.create_account(
        session,
        login=raw_field(form, "login"),
        display_name=raw_field(form, "display_name")[:200],
        roles=roles,
        password=raw_field(form, "password"),
    )
    accounts.add_account_audit(
        session, actor=by.name, action="account_created", login=account.login, roles=sorted(roles)
    )
    notice = f"Account {account.login} is gemaakt."
    return await _accounts_page(request, session, page="_accounts.html", notice=notice)


@pages.post(
    "/accounts/{login}/{action}",
    response_class=HTMLResponse,
    responses=problem_responses(AccountNotFound, BadAccount, Invalid),
    max_body_size=FORM_LIMIT,
)
async def accounts_page_action(
    login: Login,
    action: accounts.AccountChange,
    request: Request,
    session: SessionDep,
    by: SecretariatPage,
) -> HTMLResponse:
    """Disable, enable, end the sessions of, or set the password of one account."""
    password = ""
    if action == "password":
        password = raw_field(await read_form(request, max_fields=ACCOUNT_FIELDS), "password")
    account, _ = await accounts.change_account(
        session, login=login, change=action, by=by.name, password=password
    )
    notice = NOTICES[action].format(login=account.login)
    return await _accounts_page(request, session, page="_accounts.html", notice=notice)
