"""The OpenAPI documents name every error a route can answer, one schema per error."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings

PROBLEM = "application/problem+json"


def documents(tokens: SecretStr) -> dict[str, dict[str, Any]]:
    url = "sqlite:///unused.db"  # the document needs no database
    apps: dict[str, FastAPI] = {
        "registration": create_registration(
            RegistrationSettings(database_url=url, service_token=tokens)
        ),
        "ballot": create_ballot(BallotSettings(database_url=url, service_token=tokens)),
        "results": create_results(ResultsSettings(database_url=url, service_token=tokens)),
    }
    return {name: app.openapi() for name, app in apps.items()}


@pytest.fixture(scope="module")
def docs(tokens: SecretStr) -> dict[str, dict[str, Any]]:
    return documents(tokens)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def codes(document: dict[str, Any], operation: dict[str, Any], status: int) -> set[str]:
    schema = operation["responses"][str(status)]["content"][PROBLEM]["schema"]
    refs = schema.get("anyOf", [schema])
    names = [ref["$ref"].rsplit("/", 1)[1] for ref in refs]
    components = document["components"]["schemas"]
    return {components[name]["properties"]["code"]["const"] for name in names}


def test_every_error_is_problem_json_with_a_constant_code(
    docs: dict[str, dict[str, Any]],
) -> None:
    for service, document in docs.items():
        assert "HTTPValidationError" not in document["components"]["schemas"], service
        for path, method, operation in operations(document):
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                assert PROBLEM in response["content"], (service, path, method, status)
                assert codes(document, operation, int(status)), (service, path, status)


def test_domain_errors_are_named_per_route(docs: dict[str, dict[str, Any]]) -> None:
    ballot = docs["ballot"]
    open_vote = ballot["paths"]["/api/votes/{vote_id}/open"]["post"]
    assert codes(ballot, open_vote, 404) == {"vote_not_found", "meeting_not_found"}
    assert codes(ballot, open_vote, 409) == {
        "population_missing",
        "wrong_vote_state",
        "another_vote_open",
        "empty_electorate",
        "undecided_amendments",
    }
    assert codes(ballot, open_vote, 503) == {
        "upstream_unavailable",
        "database_unavailable",
        "database_error",
    }
    assert codes(ballot, open_vote, 502) == {"upstream_failed"}
    create = ballot["paths"]["/api/meetings/{meeting}/votes"]["post"]
    assert codes(ballot, create, 422) == {"bad_link", "invalid"}
    results = docs["results"]
    outcome = results["paths"]["/api/votes/{vote_id}/outcome"]["get"]
    assert codes(results, outcome, 404) == {"vote_not_found"}
    assert codes(results, outcome, 409) == {"test_vote", "vote_not_closed"}


def test_tokens_are_documented_where_they_are_asked_for(
    docs: dict[str, dict[str, Any]],
) -> None:
    ballot = docs["ballot"]["paths"]
    assert {"401", "403"} <= set(ballot["/api/votes/{vote_id}/close"]["post"]["responses"])
    assert "401" not in ballot["/api/votes/{vote_id}"]["get"]["responses"]
    assert "401" not in ballot["/api/meetings/{meeting}/state"]["get"]["responses"]
    results = docs["results"]["paths"]
    # Public, but a token that is sent is checked (the running tally).
    assert "401" in results["/api/votes/{vote_id}/outcome"]["get"]["responses"]
    assert "401" not in results["/api/meetings/{meeting}/outcomes"]["get"]["responses"]


def test_every_body_states_its_limit(docs: dict[str, dict[str, Any]]) -> None:
    limits = {}
    for service, document in docs.items():
        for path, method, operation in operations(document):
            if "requestBody" in operation:
                assert "413" in operation["responses"], (service, path, method)
                limits[(service, path)] = operation["x-max-body-bytes"]
    assert limits[("ballot", "/api/meetings/{meeting}/votes")] == 64 * 1024
    assert limits[("ballot", "/api/meetings/{meeting}/presses")] == 512 * 1024
    assert limits[("ballot", "/api/meetings/{meeting}/votes/import")] == 1024 * 1024
    assert limits[("registration", "/api/meetings/{meeting}/contacts/import")] == 1024 * 1024
    assert limits[("registration", "/api/meetings/{meeting}/members/import")] == 16 * 1024**2


def test_meeting_codes_have_one_pattern_everywhere(docs: dict[str, dict[str, Any]]) -> None:
    patterns = {
        parameter["schema"]["pattern"]
        for document in docs.values()
        for _, _, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "meeting"
    }
    assert patterns == {"^[a-z0-9][a-z0-9-]{1,31}$"}


def test_a_token_is_stated_as_bearer_security(docs: dict[str, dict[str, Any]]) -> None:
    for document in docs.values():
        assert document["components"]["securitySchemes"] == {
            "bearer": {"type": "http", "scheme": "bearer"}
        }
    ballot = docs["ballot"]["paths"]
    assert ballot["/api/votes/{vote_id}/close"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in ballot["/api/votes/{vote_id}"]["get"]
    outcome = docs["results"]["paths"]["/api/votes/{vote_id}/outcome"]["get"]
    assert outcome["security"] == [{"bearer": []}, {}]
