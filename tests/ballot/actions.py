"""What the chair and the gateway do in ballot tests, as small helpers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ballot.conftest import Services
from tests.support.presses import batch, press

__all__ = ["batch", "press"]

BINDINGS = {"GM0363": "000363", "GM0088": "000088", "GM0344": "000344"}


async def send_batch(services: Services, meeting: str, body: dict[str, Any]) -> list[str]:
    response = await services.ballot.post(
        f"/api/meetings/{meeting}/presses", json=body, headers=services.auth("gateway")
    )
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["results"]]


async def send(services: Services, meeting: str, *presses: dict[str, Any]) -> list[str]:
    """The presses in one batch, sent now; their statuses."""
    return await send_batch(services, meeting, batch(*presses))


async def new_vote(services: Services, meeting: str, **fields: Any) -> int:
    body = {"kind": "voorstel", "title": "Voorstel 1", **fields}
    response = await services.ballot.post(
        f"/api/meetings/{meeting}/votes", json=body, headers=services.auth("chair")
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def act(services: Services, vote_id: int, action: str, **body: Any) -> httpx.Response:
    return await services.ballot.post(
        f"/api/votes/{vote_id}/{action}", json=body or None, headers=services.auth("chair")
    )


async def open_new_vote(services: Services, meeting: str, **fields: Any) -> int:
    vote_id = await new_vote(services, meeting, **fields)
    response = await act(services, vote_id, "open")
    assert response.status_code == 200, response.text
    return vote_id


async def counted(services: Services, vote_id: int) -> dict[str, int]:
    response = await services.ballot.get(
        f"/api/votes/{vote_id}/record", headers=services.auth("auditor")
    )
    return {p["member"]: p["key"] for p in response.json()["counted"]}


async def stored(services: Services, vote_id: int) -> list[tuple[str, int, str, str | None]]:
    """(handset, seq, status, reason) of every press the vote's listing shows."""
    presses = await get(services, f"/api/votes/{vote_id}/presses")
    return [(p["handset"], p["seq"], p["status"], p.get("reason")) for p in presses]


async def get(services: Services, path: str, role: str = "auditor") -> Any:
    response = await services.ballot.get(path, headers=services.auth(role))
    assert response.status_code == 200, response.text
    return response.json()
