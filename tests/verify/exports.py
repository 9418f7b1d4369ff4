"""Making a real export of a meeting with several kinds of votes."""

from __future__ import annotations

from typing import Any

from tests.results.conftest import Services, act, new_vote, run_vote, seat

CHOICES = [
    {"key": 1, "label": "optie 1", "role": "choice"},
    {"key": 2, "label": "optie 2", "role": "choice"},
    {"key": 3, "label": "onthouding", "role": "abstain"},
]


async def meeting_with_votes(services: Services, meeting: str) -> dict[str, int]:
    """Five decided votes: named, secret, a choice, an annulled one and one
    decided bij acclamatie; by name, in the order they closed."""
    await seat(services, meeting)
    named = await run_vote(services, meeting, title="Motie X", kind="motie")
    secret = await run_vote(
        services,
        meeting,
        {"000363": 2, "000088": 1, "000014": 1},
        title="Voorstel geheim",
        named=False,
    )
    choice = await run_vote(
        services,
        meeting,
        {"000363": 2, "000088": 1, "000344": 2},
        kind="ordevoorstel",
        title="Ordevoorstel",
        options=CHOICES,
    )
    annulled = await run_vote(services, meeting, {"000363": 2}, title="Motie Y", kind="motie")
    await act(services, annulled, "annul", reason="storing in zaal B")
    acclaimed = await new_vote(services, meeting, title="Motie Z", kind="motie")
    await act(services, acclaimed, "acclaim", adopted=True)
    return {
        "named": named,
        "secret": secret,
        "choice": choice,
        "annulled": annulled,
        "acclaimed": acclaimed,
    }


async def auditor_export(services: Services, meeting: str) -> dict[str, Any]:
    response = await services.results.get(
        f"/api/audit/meetings/{meeting}/export.json", headers=services.auth("auditor")
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def public_export(services: Services, meeting: str) -> dict[str, Any]:
    response = await services.results.get(f"/api/meetings/{meeting}/export.json")
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document
