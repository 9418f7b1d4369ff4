"""Schemathesis against the OpenAPI documents of the three services.

The services run as real processes (``alv serve``) on databases of their own,
talking to each other over HTTP, with a meeting seeded so that generated
requests reach real members, handsets and votes, not only 404s. Every
operation gets a fixed number of generated examples (positive and negative,
with a fixed seed, so CI runs the same requests every time), and every
example is sent once without a token and once with each role's token.
Each response must not be a server error and must match the document: a
documented status code, a documented content type, headers and a body that
fit the schema.

Left out, with the reason: the two event streams (``/events``, ``/stream``)
never end, so a request for one cannot be validated as a whole; they have
tests of their own (tests/ballot/test_events.py, test_screen_stream.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from alv.stack import Stack
from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings
from tests.support.apps import as_caller
from tests.support.builders import SMALL_MEMBERS
from tests.support.databases import DatabaseFactory
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.db]

SEED = int(os.environ.get("ALV_SCHEMATHESIS_SEED", "20260109"))
# Per operation, in the fuzzing phase (the coverage phase adds its boundary
# cases). Fixed, as the seed, so CI sends the same requests every run; a
# deeper or other run on a developer's machine sets ALV_SCHEMATHESIS_EXAMPLES
# (and ALV_SCHEMATHESIS_SEED).
EXAMPLES = int(os.environ.get("ALV_SCHEMATHESIS_EXAMPLES", "10"))
# Every role's credentials (tests/support/accounts.py): people's sessions, machines' tokens.
ROLES = ("desk", "chair", "gateway", "auditor", "secretariat", "service", "integrator")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
STREAMS = r"/(events|stream)$"
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            "mode": "all",
        },
        "phases": {"stateful": {"enabled": False}},
    }
)


def _document(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as the running service serves it."""
    tokens = SecretStr("s" * 32)
    url = "sqlite:///unused.db"  # building the document touches no database
    app = {
        "registration": lambda: create_registration(
            RegistrationSettings(database_url=url, service_token=tokens)
        ),
        "ballot": lambda: create_ballot(BallotSettings(database_url=url, service_token=tokens)),
        "results": lambda: create_results(ResultsSettings(database_url=url, service_token=tokens)),
    }[service]()
    return app.openapi()


def _schema(service: str) -> Any:
    schema = schemathesis.openapi.from_dict(_document(service), config=CONFIG)
    return schema.exclude(path_regex=STREAMS)


registration_schema = _schema("registration")
ballot_schema = _schema("ballot")
results_schema = _schema("results")


@dataclass
class Seeded:
    """What exists in the running stack, for generated requests to hit."""

    stack: Stack
    tokens: dict[str, str]
    meeting: str
    members: list[str]
    handsets: list[str]
    votes: list[int]


HANDSETS = {"GM0363": "000363", "GM0088": "000088", "GM0344": "000344"}


def _seed(stack: Stack, tokens: dict[str, str]) -> Seeded:
    meeting = stack.config.meeting
    chair = as_caller(tokens["chair"])
    with (
        httpx.Client(base_url=stack.config.url("registration"), timeout=30) as registration,
        httpx.Client(base_url=stack.config.url("ballot"), timeout=30) as ballot,
    ):
        cards = _meeting_with_cards(registration, tokens["secretariat"], meeting)
        for member, handset in HANDSETS.items():
            response = registration.post(
                f"/api/meetings/{meeting}/registrations",
                json={"card_code": cards[member], "handset": handset},
                headers=as_caller(tokens["desk"]),
            )
            assert response.status_code == 201, response.text
        votes = []
        for title, then in [("Gesloten", "close"), ("Nietig", "annul"), ("Open", None)]:
            response = ballot.post(
                f"/api/meetings/{meeting}/votes",
                json={"kind": "motie", "title": title},
                headers=chair,
            )
            assert response.status_code == 201, response.text
            vote_id = response.json()["id"]
            votes.append(vote_id)
            assert ballot.post(f"/api/votes/{vote_id}/open", headers=chair).status_code == 200
            if then is None:
                continue
            assert ballot.post(f"/api/votes/{vote_id}/close", headers=chair).status_code == 200
            if then == "annul":
                response = ballot.post(
                    f"/api/votes/{vote_id}/annul", json={"reason": "storing"}, headers=chair
                )
                assert response.status_code == 200, response.text
        response = ballot.post(
            f"/api/meetings/{meeting}/votes",
            json={"kind": "motie", "title": "Later"},
            headers=chair,
        )
        votes.append(response.json()["id"])
    return Seeded(stack, tokens, meeting, list(HANDSETS), list(HANDSETS.values()), votes)


def _meeting_with_cards(client: httpx.Client, admin: str, meeting: str) -> dict[str, str]:
    """The steps of ``builders.make_meeting``, over a plain (sync) client."""
    headers = as_caller(admin)
    response = client.post(
        "/api/meetings",
        json={"code": meeting, "name": "ALV 1 december 2023", "date": "2023-12-01"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    response = client.post(
        f"/api/meetings/{meeting}/members/import",
        content=SMALL_MEMBERS.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    response = client.post(f"/api/meetings/{meeting}/cards", headers=headers)
    assert response.status_code == 200, response.text
    return {card["member"]: card["code"] for card in response.json()}


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
) -> Iterator[Seeded]:
    with running_stack(
        name="schemathesis",
        data_dir=tmp_path_factory.mktemp("schemathesis"),
        database_factory=database_factory,
    ) as stack:
        yield _seed(stack, stack.config.tokens)


def _steer(case: Any, seeded: Seeded) -> None:
    """Point most generated path parameters at what exists (decided by the
    generated value itself, so the run stays deterministic)."""
    params = case.path_parameters or {}
    meeting = params.get("meeting")
    if isinstance(meeting, str) and len(meeting) % 4:
        params["meeting"] = seeded.meeting
    vote_id = params.get("vote_id")
    if isinstance(vote_id, int) and not isinstance(vote_id, bool) and vote_id % 5:
        params["vote_id"] = seeded.votes[vote_id % len(seeded.votes)]
    member = params.get("member")
    if isinstance(member, str) and len(member) % 3:
        params["member"] = seeded.members[len(member) % len(seeded.members)]
    handset = params.get("handset")
    if isinstance(handset, str) and len(handset) % 3:
        params["handset"] = seeded.handsets[len(handset) % len(seeded.handsets)]


def _exercise(case: Any, seeded: Seeded, service: str) -> None:
    _steer(case, seeded)
    base_url = seeded.stack.config.url(service)
    # A public route (no ``security``) behaves alike for every role: without a
    # token and with one is enough there, and halves the run.
    asks_token = "security" in case.operation.definition.raw
    for role in (None, *ROLES) if asks_token else (None, ROLES[0]):
        headers = as_caller(seeded.tokens[role]) if role else {}
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@registration_schema.parametrize()
@SETTINGS
def test_registration(case: Any, seeded: Seeded) -> None:
    _exercise(case, seeded, "registration")


@ballot_schema.parametrize()
@SETTINGS
def test_ballot(case: Any, seeded: Seeded) -> None:
    _exercise(case, seeded, "ballot")


@results_schema.parametrize()
@SETTINGS
def test_results(case: Any, seeded: Seeded) -> None:
    _exercise(case, seeded, "results")
