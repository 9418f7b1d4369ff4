"""CSRF protection by double submit: the ``alv_csrf`` cookie against a header or field.

Every unsafe request (POST, PUT, PATCH, DELETE) that carries the session
cookie must carry header ``X-CSRF-Token`` equal to the ``alv_csrf`` cookie,
or, for a plain HTML form, a field ``csrf_token`` with it. Another site can
make the browser send the cookies, but cannot read them to copy the value.
Requests without a session (a machine's bearer token, the login form itself)
are exempt: they carry nothing a forger could borrow.

Every page answered to a request without the cookie sets one, and the token is on
``request.state.csrf_token`` for the page being rendered (``base.html`` puts it
in ``<meta name="csrf-token">`` and in ``hx-headers`` on ``<body>``).

The form field is read by the pages' one form reader (``forms.read_form``),
so the check and the route read a body alike; the middleware only bounds
what it reads of the stream and hands the route the same bytes again.

A small middleware of our own rather than starlette-csrf: that one reads the
token only from a header (our logout and login are plain forms), signs the
cookie with a secret every service would have to share, and has had no
release since 2023.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.auth import SESSION_COOKIE
from services.common.errors import CsrfRefused, error_for
from services.common.forms import raw_field, read_form

CSRF_COOKIE = "alv_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM = "application/x-www-form-urlencoded"
# A form that carries a token is small (login, logout, an account); a longer
# body is not searched for it (the route's own limit still applies).
MAX_FORM_BYTES = 64 * 1024
# More fields than any of our forms has: such a form presents no token.
MAX_FORM_FIELDS = 100


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, read by the very parser ``request.cookies`` uses:
    the session this checks is the session ``auth`` will find."""
    return cookie_parser(_header(scope, b"cookie"))


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return str(value.decode("latin-1"))
    return ""


def _is_page(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return bool(value.startswith(b"text/html"))
    return False


def csrf_cookie_header(token: str, *, secure: bool) -> bytes:
    parts = [f"{CSRF_COOKIE}={token}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        known = cookies.get(CSRF_COOKIE, "")
        token = known if 20 <= len(known) <= 100 else secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token
        if scope["method"] in UNSAFE and cookies.get(SESSION_COOKIE):
            presented, receive = await self._presented(scope, receive)
            if not known or not hmac.compare_digest(presented.encode(), known.encode()):
                refused = CsrfRefused(
                    "Dit verzoek mist de beveiligingscode (CSRF) van deze pagina."
                    " Laad de pagina opnieuw en probeer het nog eens."
                )
                await error_for(Request(scope), refused)(scope, receive, send)
                return

        if known == token:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            # Only a page carries the token (its meta tag and forms): a program's
            # answer (a gateway's press batch) needs no cookie and gets none.
            if message["type"] == "http.response.start" and _is_page(message):
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", csrf_cookie_header(token, secure=self.secure)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _presented(self, scope: Scope, receive: Receive) -> tuple[str, Receive]:
        """The token the request presents, and a ``receive`` that replays what was read."""
        header = _header(scope, CSRF_HEADER.encode())
        if header:
            return header, receive
        if not _header(scope, b"content-type").startswith(FORM):
            return "", receive
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                break
        # The reader sees the stream end where this stopped reading; the route
        # gets the same bytes again and then whatever was left unread.
        form = await read_form(
            Request(scope, _replaying(body, False, receive)),
            lenient=True,
            max_fields=MAX_FORM_FIELDS,
        )
        return raw_field(form, CSRF_FIELD), _replaying(body, more, receive)


def _replaying(body: bytes, more: bool, receive: Receive) -> Receive:
    """A ``receive`` that hands back ``body`` first, then goes on reading."""
    replay: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]

    async def replaying() -> Message:
        if replay:
            return replay.pop()
        return await receive()

    return replaying
