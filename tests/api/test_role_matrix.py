"""Every route of the three OpenAPI documents, called as everyone: who gets in.

For each operation the document states the roles it admits (``x-alv-roles``,
with ``security``). It is called without credentials, with a session of each
people role, with each machine token and with a revoked token; a caller with
an admitted role must get past the door (anything but 401 and 403), anyone
else must be refused (401 without valid credentials, 403 for a role it lacks).
The calls name things that do not exist (a meeting, a vote, an account), so an
admitted caller changes nothing. Deny by default: a route that declares no
roles must be one of the known public ones below, so a new route that forgot
its roles fails here. A page answers a browser without a session with 303 to
the login page; where credentials are optional (an open vote's running tally)
the public, and staff of another role, get the public view.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.results.conftest import Services, services
from tests.support.accounts import MACHINES, PEOPLE
from tests.support.apps import as_caller

pytestmark = [pytest.mark.anyio, pytest.mark.db]

__all__ = ["services"]  # the three services linked in-process, as results' tests have them

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
    },
    "ballot": {
        "GET /healthz",
        "GET /metrics",
        "GET /api/meetings/{meeting}/agenda",
        "GET /api/meetings/{meeting}/settings",
        "GET /api/meetings/{meeting}/state",
        "GET /api/meetings/{meeting}/votes",
        "GET /api/votes/{vote_id}",
        "GET /api/votes/{vote_id}/progress",
    },
    "results": {
        "GET /healthz",
        "GET /metrics",
        "GET /api/meetings/{meeting}/current",
        "GET /api/meetings/{meeting}/export.csv",
        "GET /api/meetings/{meeting}/export.json",
        "GET /api/meetings/{meeting}/outcomes",
        "GET /api/meetings/{meeting}/publication",
        "GET /api/meetings/{meeting}/screen",
        "GET /api/meetings/{meeting}/stemgedrag",
        "GET /api/meetings/{meeting}/stream",
        "GET /api/votes/{vote_id}/stemgedrag",
        "GET /chair/{meeting}",
        "GET /record/{meeting}",
        "GET /record/{meeting}/controle",
        "GET /record/{meeting}/report",
        "GET /record/{meeting}/report.pdf",
        "POST /api/meetings/{meeting}/receipt",
        "POST /record/{meeting}/controle",
    },
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
            url = re.sub(r"\{(\w+)\}", lambda m: NOTHING.get(m[1], "nothing"), path)
            for caller, (roles, headers) in callers.items():
                allowed = bool(roles & admitted)
                if allowed and (STREAMS.search(path) or path == "/logout"):
                    continue  # a stream never ends; the matrix keeps its sessions
                body = {} if method in ("POST", "PUT", "PATCH") else None
                response = await clients[service].request(method, url, headers=headers, json=body)
                # A page sends a browser without a session to log in (303).
                page = not path.startswith("/api/") and caller == "nobody"
                refused = response.status_code in ((303,) if page else (401, 403))
                # Where credentials are optional, the public and staff of other
                # roles read the public view; a machine of another role is refused.
                public_view = caller == "nobody" or caller in PEOPLE
                expected_refusal = not allowed and not (optional and public_view)
                if refused != expected_refusal or response.status_code >= 500:
                    wrong.append(f"{service} {route} as {caller}: {response.status_code}")
                unknown = caller in ("nobody", "revoked") and expected_refusal and not page
                if unknown and response.status_code != 401:
                    wrong.append(f"{service} {route} as {caller}: not 401")
        if undeclared != PUBLIC[service]:
            wrong.append(f"{service}: public routes differ: {sorted(undeclared ^ PUBLIC[service])}")
    assert not wrong, "\n".join(wrong)
