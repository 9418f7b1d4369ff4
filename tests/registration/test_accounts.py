"""Staff accounts: logging in and out, the session cookie, CSRF, the secretariat's API."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from services.common.auth import Principal, Role, require_page
from services.common.csrf import CSRF_COOKIE
from tests.support.accounts import PASSWORD, add_account, log_in
from tests.support.apps import assert_problem, bearer

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
        "/api/tokens",
        json={"name": "gateway-csrf-test", "roles": ["gateway"]},
        headers=bearer(token_values["admin"]),
    )
    assert response.status_code in (201, 409), response.text


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
        secretariat = bearer(token_values["admin"])
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
            headers=bearer(token_values["chair"]),
        ),
        403,
    )
    answer = await registration.post(
        "/api/auth/introspect",
        json={"session": session_id},
        headers=bearer(token_values["gateway"]),
    )
    assert answer.json() == {
        "active": True,
        "principal": {"kind": "person", "name": login, "roles": ["chair"]},
    }
    nobody = await registration.post(
        "/api/auth/introspect", json={"session": "x" * 43}, headers=bearer(token_values["gateway"])
    )
    assert nobody.json() == {"active": False, "principal": None}


async def test_machine_tokens_are_named_and_revocable(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    secretariat = bearer(token_values["admin"])
    name = f"gw-{id(registration)}"
    created = await registration.post(
        "/api/tokens", json={"name": name, "roles": ["gateway"]}, headers=secretariat
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    me = await registration.get("/api/auth/me", headers=bearer(token))
    assert me.json() == {"kind": "machine", "name": name, "roles": ["gateway"]}
    listed = await registration.get("/api/tokens", headers=secretariat)
    assert "token" not in next(t for t in listed.json() if t["name"] == name)
    await registration.post(f"/api/tokens/{name}/revoke", headers=secretariat)
    assert_problem(await registration.get("/api/auth/me", headers=bearer(token)), 401)


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
        assert away.headers["location"] == (
            "http://127.0.0.1:8001/login?next=http%3A%2F%2Ftestserver%2Fonly-the-desk"
        )
        login = await add_account(database_urls["registration"], roles=["desk"])
        await log_in(client, login)
        assert (await client.get("/only-the-desk")).json() == {"name": login}
