"""From ballot's record to the outcome: an outcome that cannot be computed says why."""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.results import compute as compute_module
from services.results.compute import canonical_json, compute, full_explanation, inputs_hash
from services.results.schemas import BallotRecord

OPTIONS = [
    {"key": 1, "label": "voor", "role": "for"},
    {"key": 2, "label": "tegen", "role": "against"},
    {"key": 3, "label": "onthouding", "role": "abstain"},
]


def record(*, counted: dict[str, int] | None = None, **vote: Any) -> BallotRecord:
    """Amsterdam (75) voor and Schiermonnikoog (1) tegen, unless ``counted`` says otherwise."""
    counted = {"GM0363": 1, "GM0088": 2} if counted is None else counted
    return BallotRecord.model_validate(
        {
            "vote": {
                "id": 7,
                "meeting": "alv-2023-12",
                "position": 1,
                "kind": "voorstel",
                "title": "Voorstel",
                "options": OPTIONS,
                "majority": {"numerator": 1, "denominator": 2, "inclusive": False},
                "abstentions_cast": False,
                "named": True,
                "status": "closed",
                **vote,
            },
            "electorate": [
                {"member": "GM0363", "name": "Amsterdam", "weight": 75, "handset": "000363"},
                {"member": "GM0088", "name": "Schiermonnikoog", "weight": 1, "handset": "000088"},
            ],
            "counted": [
                {
                    "member": member,
                    "key": key,
                    "handset": "000001",
                    "seq": 1,
                    "stored_at": "2023-12-01T10:00:00Z",
                }
                for member, key in counted.items()
            ],
        }
    )


class TestInputsHash:
    # Of the record below as the code computed it before electors and counted
    # presses became plain dicts: a stored outcome's hash never changes with
    # the code that recomputes it (verify, the audit, the export).
    STORED = "8f2581030e04131935a50f2b2a47f515c289b30133a148779ad66b8f78d4e7c2"

    def body(self) -> dict[str, Any]:
        body = record().model_dump(mode="json")
        # Ballot writes times with +00:00; the hash has them as Z, to the microsecond.
        body["counted"][1]["stored_at"] = "2023-12-01T10:00:00.120000+00:00"
        return body

    def test_values_hash_as_before(self) -> None:
        assert inputs_hash(BallotRecord.model_validate(self.body())) == self.STORED

    def test_json_text_hashes_as_before(self) -> None:
        text = json.dumps(self.body()).encode()
        assert inputs_hash(BallotRecord.model_validate_json(text)) == self.STORED

    def test_an_elector_field_from_a_later_ballot_is_not_hashed(self) -> None:
        body = self.body()
        body["electorate"][0]["handsets"] = ["000363", "000999"]
        assert inputs_hash(BallotRecord.model_validate(body)) == self.STORED


class TestNotComputable:
    def test_a_decided_outcome_is_stored_without_the_field(self) -> None:
        computed = compute(record())
        assert computed.decision is not None and computed.decision.adopted is True
        assert "not_computable" not in json.loads(canonical_json(computed.model_dump(mode="json")))

    def test_a_rule_stored_unchecked(self) -> None:
        computed = compute(record(majority={"numerator": 1, "denominator": 3, "inclusive": False}))
        assert computed.decision is None
        assert computed.not_computable == (
            "'meer dan 1/3' is geen meerderheid die het systeem kan beslissen"
        )
        assert computed.required.description == "meer dan 1/3"
        assert [(t.key, t.weight, t.members, t.percentage) for t in computed.tallies] == [
            (1, 75, 1, None),
            (2, 1, 1, None),
            (3, 0, 0, None),
        ]
        assert (computed.base.weight, computed.base.keys) == (76, [1, 2])
        stored = json.loads(canonical_json(computed.model_dump(mode="json")))
        assert stored["not_computable"] == computed.not_computable

    def test_options_that_do_not_fit_the_kind(self) -> None:
        choices = [{"key": k, "label": f"optie {k}", "role": "choice"} for k in (1, 2)]
        computed = compute(record(options=choices))
        assert computed.not_computable is not None
        assert computed.not_computable.startswith("een voorstel heeft precies één optie voor")

    def test_a_record_that_contradicts_itself(self) -> None:
        computed = compute(record(counted={"GM0363": 1, "GM9999": 1}))
        assert computed.not_computable is not None
        assert computed.not_computable.startswith("het verslag van de stemming klopt niet")
        assert computed.voted.members == 1  # the press outside the electorate is not counted

    def test_a_fault_in_our_own_code_stays_with_the_vote(
        self, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        def broken(*_: object, **__: object) -> str:
            raise ZeroDivisionError("a bug")

        monkeypatch.setattr(compute_module, "outcome_sentence", broken)
        computed = compute(record())
        assert computed.decision is None
        assert computed.not_computable == "de berekening liep op een fout (zie het logboek)"
        assert computed.explanation == [f"Uitslag niet te berekenen: {computed.not_computable}"]
        assert "results.outcome.compute_failed" in caplog.text

    def test_the_auditors_explanation_says_why(self) -> None:
        stuck = record(majority={"numerator": 1, "denominator": 2, "inclusive": True})
        assert full_explanation(stuck) == [
            "Uitslag niet te berekenen: 'ten minste de helft' is geen meerderheid die het"
            " systeem kan beslissen"
        ]
        assert full_explanation(record())[-1] == "Aandeel voor: 75/76 van de basis"
