"""What the chair and the gateway do in ballot tests, as small helpers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.ballot.conftest import Services

BINDINGS = {"GM0363": "000363", "GM0088": "000088", "GM0344": "000344"}


def press(handset: str, seq: int, key: int, receiver: str = "R01") -> dict[str, Any]:
    return {
        "receiver": receiver,
        "handset": handset,
        "seq": seq,
        "key": key,
        "rssi": -60,
        "battery": 90,
        "received_at": "2023-12-01T10:00:00Z",
    }


async def send(services: Services, meeting: str, *presses: dict[str, Any]) -> list[str]:
    response = await services.ballot.post(
        f"/api/meetings/{meeting}/presses",
        json={"presses": list(presses)},
        headers=services.auth("gateway"),
    )
    assert response.status_code == 200, response.text
    return [result["status"] for result in response.json()["results"]]


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


async def get(services: Services, path: str, role: str = "auditor") -> Any:
    response = await services.ballot.get(path, headers=services.auth(role))
    assert response.status_code == 200, response.text
    return response.json()
