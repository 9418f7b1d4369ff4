"""Every route of the three OpenAPI documents, called as everyone: who gets in.

For each operation the document states the roles it admits (``x-alv-roles``,
with ``security``). It is called without credentials, with a session of each
people role, with each machine token and with a revoked token; a caller with
an admitted role must get past the door (anything but 401 and 403), anyone
else must be refused (401 without valid credentials, 403 for a role it lacks).
The calls name things that do not exist (a meeting, a vote, an account), so an
admitted caller changes nothing. Deny by default: a route that declares no
roles must be one of the known public ones below, so a new route that forgot
its roles fails here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from tests.results.conftest import Services, linked_services
from tests.support.accounts import MACHINES, PEOPLE
from tests.support.apps import as_caller

pytestmark = [pytest.mark.anyio, pytest.mark.db]

# Routes anyone may call (read-only public views, the login itself, health).
PUBLIC = {
    "registration": {
        "GET /",
        "GET /healthz",
        "GET /metrics",
        "GET /login",
        "POST /login",
        "POST /logout",
        "GET /api/meetings",
        "GET /api/meetings/{meeting}",
        "GET /api/meetings/{meeting}/members",
        "GET /api/meetings/{meeting}/presence",
        "GET /api/meetings/{meeting}/cards/{member}.png",
    },
    "ballot": set(),
    "results": set(),
}
# Path parameters that name nothing: an admitted caller gets 404 or 422.
NOTHING = {
    "meeting": "t-nothing-here",
    "vote_id": "999999",
    "member": "GM9999",
    "handset": "999999",
    "login": "nobody-here",
    "name": "nobody-here",
    "action": "enable",
}
STREAMS = re.compile(r"/(events|stream)$")


async def _documents(services: Services) -> dict[str, dict[str, Any]]:
    documents = {}
    for name, client in (
        ("registration", services.registration),
        ("ballot", services.ballot),
        ("results", services.results),
    ):
        documents[name] = (await client.get("/openapi.json")).json()
    return documents


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
async def services(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    async with linked_services(database_urls, tokens, token_values) as linked:
        yield linked


async def _revoked(services: Services) -> str:
    """A machine token that worked, then was revoked."""
    secretariat = as_caller(services.tokens["secretariat"])
    created = await services.registration.post(
        "/api/tokens", json={"name": "matrix-revoked", "roles": ["gateway"]}, headers=secretariat
    )
    if created.status_code == 409:  # a second run on the same database
        created = await services.registration.post(
            "/api/tokens",
            json={"name": f"matrix-revoked-{id(services)}", "roles": ["gateway"]},
            headers=secretariat,
        )
    token = str(created.json()["token"])
    name = created.json()["name"]
    await services.registration.post(f"/api/tokens/{name}/revoke", headers=secretariat)
    return token


async def test_every_route_admits_exactly_its_documented_roles(services: Services) -> None:
    documents = await _documents(services)
    clients = {
        "registration": services.registration,
        "ballot": services.ballot,
        "results": services.results,
    }
    callers: dict[str, tuple[frozenset[str], dict[str, str]]] = {"nobody": (frozenset(), {})}
    for role in (*PEOPLE, *MACHINES):
        callers[role] = (frozenset({role}), as_caller(services.tokens[role]))
    callers["revoked"] = (frozenset(), as_caller(await _revoked(services)))
    wrong: list[str] = []
    for service, document in documents.items():
        undeclared = set()
        for method, path, operation in _operations(document):
            route = f"{method} {path}"
            if "security" not in operation:
                undeclared.add(route)
                continue
            admitted = frozenset(operation["x-alv-roles"])
            optional = {} in operation["security"]
            url = path.format(**NOTHING)
            for caller, (roles, headers) in callers.items():
                allowed = bool(roles & admitted)
                if allowed and (STREAMS.search(path) or path == "/logout"):
                    continue  # a stream never ends; the matrix keeps its sessions
                body = {} if method in ("POST", "PUT", "PATCH") else None
                response = await clients[service].request(method, url, headers=headers, json=body)
                refused = response.status_code in (401, 403)
                expected_refusal = not allowed and not (optional and caller == "nobody")
                if refused != expected_refusal or response.status_code >= 500:
                    wrong.append(f"{service} {route} as {caller}: {response.status_code}")
                if caller in ("nobody", "revoked") and expected_refusal:
                    if response.status_code != 401:
                        wrong.append(f"{service} {route} as {caller}: not 401")
        assert undeclared == PUBLIC[service], (
            f"{service}: routes that declare no roles: {sorted(undeclared ^ PUBLIC[service])}"
        )
    assert not wrong, "\n".join(wrong)
