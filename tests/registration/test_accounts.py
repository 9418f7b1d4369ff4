"""Staff accounts: logging in and out, the session cookie, CSRF, the secretariat's API."""

from __future__ import annotations

import datetime

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import update

from services.common import lockout
from services.common.auth import Principal, Role, require_page
from services.common.csrf import CSRF_COOKIE
from services.common.database import Database, utcnow
from services.registration import accounts
from services.registration.models import Account
from tests.support.accounts import PASSWORD, add_account, log_in
from tests.support.apps import as_caller, assert_problem

pytestmark = [pytest.mark.anyio, pytest.mark.db]


async def test_login_sets_a_strict_http_only_session_cookie_and_me_names_the_person(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk", "chair"])
    response = await log_in(registration, login)
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("alv_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # the public URL is plain http here
    me = await registration.get("/api/auth/me")
    assert me.json() == {"kind": "person", "name": login, "roles": ["chair", "desk"]}


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk"])
    wrong = await registration.post("/login", data={"login": login, "password": "x" * 12})
    unknown = await registration.post("/login", data={"login": "nobody", "password": PASSWORD})
    assert_problem(wrong, 401, "login_failed")
    assert_problem(unknown, 401, "login_failed")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "alv_session" not in registration.cookies


async def test_an_unreadable_login_form_gets_the_same_answer_as_a_wrong_password(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk"])
    wrong = await registration.post("/login", data={"login": login, "password": "x" * 12})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    too_many = "&".join(f"f{i}=x" for i in range(21))
    for body in (f"login={login}&password=a%00b", f"login={login}&{too_many}"):
        refused = await registration.post("/login", content=body, headers=form)
        assert_problem(refused, 401, "login_failed")
        assert refused.json()["detail"] == wrong.json()["detail"]


async def test_a_password_is_taken_as_typed_and_a_repeated_field_by_its_first_value(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk"])
    padded = await registration.post("/login", data={"login": login, "password": f" {PASSWORD} "})
    assert_problem(padded, 401, "login_failed")
    repeated = await registration.post(
        "/login",
        content=f"login={login}&password={PASSWORD}&password=wrong".replace(" ", "+"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert repeated.status_code == 303


async def test_a_browser_with_a_wrong_password_sees_the_login_page_again(
    registration: httpx.AsyncClient,
) -> None:
    response = await registration.post(
        "/login",
        data={"login": "nobody", "password": "nothing at all"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 401
    assert 'data-testid="login-error"' in response.text
    assert "onbekende naam of verkeerd wachtwoord" in response.text


async def test_after_logout_the_session_is_refused(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["auditor"])
    await log_in(registration, login)
    session_id = registration.cookies["alv_session"]
    out = await registration.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # Even a client that kept the cookie is refused now.
    registration.cookies.set("alv_session", session_id)
    assert_problem(await registration.get("/api/auth/me"), 401, "unauthorized")


async def test_an_unsafe_request_with_a_session_needs_the_csrf_token(
    registration: httpx.AsyncClient, database_urls: dict[str, str], token_values: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["secretariat"])
    await log_in(registration, login)
    body = {"login": f"n-{login}", "display_name": "Nieuw", "roles": ["desk"], "password": PASSWORD}
    token = registration.headers.pop("X-CSRF-Token")
    refused = await registration.post("/api/accounts", json=body)
    assert_problem(refused, 403, "csrf_refused")
    wrong = await registration.post("/api/accounts", json=body, headers={"X-CSRF-Token": "x" * 40})
    assert_problem(wrong, 403, "csrf_refused")
    listed = await registration.get("/api/accounts")  # safe methods need none
    assert f"n-{login}" not in {a["login"] for a in listed.json()}
    created = await registration.post("/api/accounts", json=body, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text
    # The form field does as well as the header (a plain HTML form).
    form = await registration.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert form.status_code == 303


async def test_a_bearer_token_without_a_session_needs_no_csrf_token(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    response = await registration.post(
        "/api/auth/introspect",
        json={"token": token_values["gateway"]},
        headers={"Authorization": f"Bearer {token_values['service']}"},
    )
    assert response.json()["principal"]["name"] == "gateway"


async def test_the_csrf_cookie_is_set_once_and_the_page_carries_it(
    registration: httpx.AsyncClient,
) -> None:
    page = await registration.get("/login")
    token = registration.cookies[CSRF_COOKIE]
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    assert f'name="csrf_token" value="{token}"' in page.text
    again = await registration.get("/login")
    assert "set-cookie" not in again.headers


async def test_the_secretariat_disables_an_account_and_its_sessions_end(
    registration: httpx.AsyncClient, database_urls: dict[str, str], token_values: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk"])
    async with httpx.AsyncClient(
        transport=registration._transport, base_url="http://testserver"
    ) as officer:
        await log_in(officer, login)
        assert (await officer.get("/api/auth/me")).status_code == 200
        secretariat = as_caller(token_values["secretariat"])
        disabled = await registration.post(f"/api/accounts/{login}/disable", headers=secretariat)
        assert disabled.json()["disabled"] is True
        assert_problem(await officer.get("/api/auth/me"), 401)
        again = await officer.post("/login", data={"login": login, "password": PASSWORD})
        assert_problem(again, 401, "login_failed")
        await registration.post(f"/api/accounts/{login}/enable", headers=secretariat)
        await log_in(officer, login)
        ended = await registration.post(f"/api/accounts/{login}/sessions/end", headers=secretariat)
        assert ended.json() == {"ended": 1}
        assert_problem(await officer.get("/api/auth/me"), 401)


async def test_a_person_without_the_role_is_refused(
    registration: httpx.AsyncClient, database_urls: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["desk"])
    await log_in(registration, login)
    assert_problem(await registration.get("/api/accounts"), 403, "forbidden")


async def test_introspection_is_for_services_only(
    registration: httpx.AsyncClient, database_urls: dict[str, str], token_values: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["chair"])
    await log_in(registration, login)
    session_id = registration.cookies["alv_session"]
    registration.cookies.clear()
    assert_problem(
        await registration.post(
            "/api/auth/introspect",
            json={"session": session_id},
            headers=as_caller(token_values["chair"]),
        ),
        403,
    )
    answer = await registration.post(
        "/api/auth/introspect",
        json={"session": session_id},
        headers=as_caller(token_values["service"]),
    )
    assert answer.json() == {
        "active": True,
        "principal": {"kind": "person", "name": login, "roles": ["chair"]},
    }
    nobody = await registration.post(
        "/api/auth/introspect",
        json={"session": "x" * 43},
        headers=as_caller(token_values["service"]),
    )
    assert nobody.json() == {"active": False, "principal": None}


async def test_machine_tokens_are_named_and_revocable(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    secretariat = as_caller(token_values["secretariat"])
    name = f"gw-{id(registration)}"
    created = await registration.post(
        "/api/tokens", json={"name": name, "roles": ["gateway"]}, headers=secretariat
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = await registration.get("/api/auth/me", headers=as_caller(token))
    assert me.json() == {"kind": "machine", "name": name, "roles": ["gateway"]}
    listed = await registration.get("/api/tokens", headers=secretariat)
    assert "token" not in next(t for t in listed.json() if t["name"] == name)
    await registration.post(f"/api/tokens/{name}/revoke", headers=secretariat)
    assert_problem(await registration.get("/api/auth/me", headers=as_caller(token)), 401)


async def test_a_page_sends_a_browser_without_a_session_to_log_in(
    registration_app: FastAPI, database_urls: dict[str, str]
) -> None:
    router = APIRouter()

    @router.get("/only-the-desk")
    async def only_the_desk(request: Request) -> dict[str, str]:
        principal: Principal = await require_page(Role.DESK)(request)
        return {"name": principal.name}

    # A route added for the test: the one way to see require_page on its own.
    registration_app.include_router(router)
    from tests.support.apps import serve_in_process

    async with serve_in_process(registration_app) as client:
        away = await client.get("/only-the-desk", follow_redirects=False)
        assert away.status_code == 303
        # Registration serves the login page itself: a path, back to a path.
        assert away.headers["location"] == "/login?next=%2Fonly-the-desk"
        login = await add_account(database_urls["registration"], roles=["desk"])
        await log_in(client, login)
        assert (await client.get("/only-the-desk")).json() == {"name": login}


async def test_the_tenth_wrong_password_locks_with_an_audit_entry_and_an_unknown_name_alike(
    registration: httpx.AsyncClient, database_urls: dict[str, str], token_values: dict[str, str]
) -> None:
    login = await add_account(database_urls["registration"], roles=["chair"])
    unknown = f"nobody-{login}"
    refusals = []
    for name in (login, unknown):
        for _ in range(5):  # free
            wrong = await registration.post("/login", data={"login": name, "password": "x" * 12})
            assert_problem(wrong, 401, "login_failed")
        # As if wrong passwords 6 to 9 had come, each after its wait (1, 2, 4, 8 s).
        a_minute_ago = utcnow() - datetime.timedelta(minutes=1)
        if name == login:
            database = Database(database_urls["registration"])
            async with database.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Account)
                    .where(Account.login == login)
                    .values(failed_logins=9, last_failed_at=a_minute_ago)
                )
            await database.dispose()
        else:
            accounts._unknown[unknown] = lockout.Attempts(9, a_minute_ago)
        tenth = await registration.post("/login", data={"login": name, "password": "x" * 12})
        assert_problem(tenth, 401, "login_failed")
        right = await registration.post("/login", data={"login": name, "password": PASSWORD})
        assert_problem(right, 429, "too_many_attempts")
        assert 14 * 60 < right.json()["retry_after"] <= 15 * 60
        refusals.append(right.json()["detail"])
    # Locked or not there at all: the same words.
    assert refusals[0] == refusals[1]
    assert "Probeer het over 15 minuten opnieuw" in refusals[0]
    audit = await registration.get(
        "/api/accounts/audit", headers=as_caller(token_values["auditor"])
    )
    locked = [e for e in audit.json() if e["action"] == "login_locked"]
    assert {e["actor"] for e in locked} >= {login, unknown}
    assert all(e["details"]["minutes"] == 15 for e in locked)


async def test_a_malformed_cookie_beside_the_session_does_not_skip_the_csrf_check(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    """The check reads the cookies as the session lookup does, whatever else is sent."""
    # Python's SimpleCookie gives up on the whole header at "a b=1"; Starlette reads on.
    cookie = f"a b=1; alv_session={token_values['secretariat']}; alv_csrf={'c' * 40}"
    refused = await registration.post(
        "/api/accounts/nobody-here/enable", headers={"Cookie": cookie}
    )
    assert_problem(refused, 403, "csrf_refused")
