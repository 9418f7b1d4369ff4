"""Builders for test data, through the public APIs, with keyword-only defaults."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.apps import as_caller

SMALL_MEMBERS = """code,name,population
GM0363,Amsterdam,918117
GM0088,Schiermonnikoog,932
GM0344,Utrecht,361924
GM0014,Groningen,238147
"""


def numbered_members_csv(count: int) -> str:
    """GM0001 ... GM<count>, populations spread over the weight classes of
    article 10 (1 up to 75 votes)."""
    rows = [f"GM{n:04d},Gemeente {n},{1_000 + (n * 7_919) % 900_000}" for n in range(1, count + 1)]
    return "code,name,population\n" + "\n".join(rows) + "\n"


async def make_meeting(
    client: httpx.AsyncClient,
    *,
    admin: str,
    code: str,
    name: str = "ALV 1 december 2023",
    date: str = "2023-12-01",
    members_csv: str = SMALL_MEMBERS,
    issue_cards: bool = True,
) -> dict[str, str]:
    """A meeting with members and (by default) cards; returns member -> card code."""
    headers = as_caller(admin)
    response = await client.post(
        "/api/meetings", json={"code": code, "name": name, "date": date}, headers=headers
    )
    assert response.status_code == 201, response.text
    response = await client.post(
        f"/api/meetings/{code}/members/import",
        content=members_csv.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    if not issue_cards:
        return {}
    response = await client.post(f"/api/meetings/{code}/cards", headers=headers)
    assert response.status_code == 200, response.text
    return {card["member"]: card["code"] for card in response.json()}


async def audit_log(client: httpx.AsyncClient, meeting: str, auditor: str) -> list[dict[str, Any]]:
    """The registration service's audit log of a meeting, oldest first."""
    response = await client.get(f"/api/meetings/{meeting}/audit", headers=as_caller(auditor))
    assert response.status_code == 200, response.text
    return list(response.json())
