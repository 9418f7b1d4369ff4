"""``alv verify`` on real exports: untouched, and with one thing changed."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.results.conftest import Services, publish
from tests.verify.exports import auditor_export, meeting_with_votes, public_export
from verify.check import check_export, sha256
from verify.cli import DEVIATION, OK, UNREADABLE, main, verify_file

pytestmark = [pytest.mark.anyio]


def run_verify(document: Any, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    return verify_file(path, out), out.getvalue()


def entry_of(document: dict[str, Any], vote_id: int) -> dict[str, Any]:
    (entry,) = (v for v in document["votes"] if v["vote_id"] == vote_id)
    return entry


@pytest.mark.db
class TestUntouchedExport:
    async def test_auditor_export_verifies(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        assert [v["vote_id"] for v in document["votes"]] == list(votes.values())
        assert all(v["inputs"] is not None for v in document["votes"])
        code, output = run_verify(document, tmp_path)
        assert code == OK, output
        assert f"stemming {votes['named']} 'Motie X': OK" in output
        assert f"stemming {votes['annulled']} 'Motie Y': OK (nietig verklaard)" in output
        assert f"stemming {votes['acclaimed']} 'Motie Z': OK" in output
        assert "UITSLAG: alles klopt" in output
        assert f"kop {document['chain']['head']}" in output

    async def test_public_export_before_publication_has_no_stemgedrag(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await public_export(services, meeting_code)
        assert document["stemgedrag_published"] is False
        named = entry_of(document, votes["named"])
        assert (named["inputs"], named["withheld"]) == (None, "stemgedrag")
        assert not any(code in json.dumps(document) for code in ("GM0363", "GM0014", "GM0088"))
        code, output = run_verify(document, tmp_path)
        assert code == OK, output
        assert (
            f"stemming {votes['named']} 'Motie X': OK (stemgedrag nog niet gepubliceerd:"
            " alleen de totalen en de schakel gecontroleerd)"
        ) in output

    async def test_public_export_checks_secret_totals_only(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        await publish(services, meeting_code)
        document = await public_export(services, meeting_code)
        assert document["stemgedrag_published"] is True
        secret = entry_of(document, votes["secret"])
        assert secret["inputs"] is None
        assert "GM0363" not in json.dumps(secret)
        assert entry_of(document, votes["named"])["inputs"]["counted"]
        code, output = run_verify(document, tmp_path)
        assert code == OK, output
        assert "geheime stemming: alleen de totalen gecontroleerd" in output


@pytest.mark.db
class TestTamperedExport:
    async def test_altered_press_names_the_vote(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        secret = entry_of(document, votes["secret"])
        press = next(p for p in secret["inputs"]["counted"] if p["member"] == "GM0363")
        assert press["key"] == 2
        press["key"] = 1  # Amsterdam's tegen becomes voor
        code, output = run_verify(document, tmp_path)
        assert code == DEVIATION
        line = next(x for x in output.splitlines() if x.startswith(f"stemming {votes['secret']} "))
        assert "AFWIJKING" in line
        assert "inputs_hash" in line
        assert "voor: stemmen: opgeslagen 76, herberekend 151" in line
        others = [x for x in output.splitlines() if x.startswith("stemming ") and x != line]
        assert all(": OK" in x for x in others), output

    async def test_removed_municipality_names_the_vote(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        named = entry_of(document, votes["named"])
        electorate = named["inputs"]["electorate"]
        # Groningen was present and did not vote: only the electorate changes.
        named["inputs"]["electorate"] = [e for e in electorate if e["member"] != "GM0014"]
        code, output = run_verify(document, tmp_path)
        assert code == DEVIATION
        line = next(x for x in output.splitlines() if x.startswith(f"stemming {votes['named']} "))
        assert "AFWIJKING" in line
        assert "kiezerslijst" in line
        assert "niet gestemd (gemeenten): opgeslagen ['GM0014'], herberekend []" in line

    async def test_reversed_acclamation_names_the_vote(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        acclaimed = entry_of(document, votes["acclaimed"])
        assert acclaimed["outcome"]["decision"]["sentence_2023"] == (
            "de motie is bij acclamatie aangenomen"
        )
        acclaimed["inputs"]["vote"]["acclamation_adopted"] = False
        code, output = run_verify(document, tmp_path)
        assert code == DEVIATION
        line = next(
            x for x in output.splitlines() if x.startswith(f"stemming {votes['acclaimed']} ")
        )
        assert "AFWIJKING" in line
        assert "aangenomen: opgeslagen True, herberekend False" in line

    async def test_rehashed_forgery_breaks_the_chain(
        self, services: Services, meeting_code: str
    ) -> None:
        """Who alters a stored outcome and fixes its own hashes breaks the next link."""
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        forged = copy.deepcopy(document)
        entry = entry_of(forged, votes["named"])
        entry["outcome"]["decision"]["adopted"] = False
        entry["outcome_hash"] = sha256(entry["outcome"])
        entry["hash"] = sha256(
            {k: entry[k] for k in ("inputs_hash", "outcome_hash", "previous_hash", "vote_id")}
        )
        report = check_export(forged)
        by_id = {v.vote_id: v for v in report.verdicts}
        assert any("aangenomen" in p for p in by_id[votes["named"]].problems)
        assert any("previous_hash" in p for p in by_id[votes["secret"]].problems)


def rehash_chain(document: dict[str, Any]) -> None:
    """What a careful forger does after changing anything: every hash made anew."""
    previous = None
    for sequence, entry in enumerate(document["votes"], start=1):
        entry["sequence"] = sequence
        if entry["inputs"] is not None:
            entry["inputs_hash"] = sha256(entry["inputs"])
        entry["outcome_hash"] = sha256(entry["outcome"])
        entry["previous_hash"] = previous
        entry["hash"] = sha256(
            {k: entry[k] for k in ("inputs_hash", "outcome_hash", "previous_hash", "vote_id")}
        )
        previous = entry["hash"]
    document["chain"] = {"length": len(document["votes"]), "head": previous}


@pytest.mark.db
class TestExpectedHead:
    """Only the head printed at the meeting catches a forgery of the whole file."""

    async def test_true_export_passes_with_the_true_head(
        self, services: Services, meeting_code: str, tmp_path: Path, capsys: Any
    ) -> None:
        await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        head = document["chain"]["head"]
        path = tmp_path / "export.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        assert main([str(path), "--expect-head", head]) == OK
        assert "kop: OK, gelijk aan de verwachte kop" in capsys.readouterr().out
        # The projector's short form, as read from the screen.
        short = " ".join(head[i : i + 4] for i in range(0, 16, 4))
        assert main([str(path), "--expect-head", short.upper()]) == OK

    async def test_rehashed_export_without_its_last_vote_fails_on_the_true_head(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        votes = await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        true_head = document["chain"]["head"]
        forged = copy.deepcopy(document)
        dropped = forged["votes"].pop()
        assert dropped["vote_id"] == votes["acclaimed"]
        named = entry_of(forged, votes["named"])
        for side in (named["inputs"]["vote"], named["outcome"]["vote"]):
            side["title"] = "Motie X (gewijzigd)"
        rehash_chain(forged)
        code, output = run_verify(forged, tmp_path)
        assert code == OK, output  # consistent with itself: this alone cannot tell
        path = tmp_path / "forged.json"
        path.write_text(json.dumps(forged), encoding="utf-8")
        out = io.StringIO()
        assert verify_file(path, out, expect_head=true_head) == DEVIATION
        assert "de verwachte kop komt niet voor in deze export" in out.getvalue()

    async def test_an_earlier_head_names_its_link(
        self, services: Services, meeting_code: str, tmp_path: Path
    ) -> None:
        await meeting_with_votes(services, meeting_code)
        document = await auditor_export(services, meeting_code)
        third = document["votes"][2]["hash"]
        path = tmp_path / "export.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        out = io.StringIO()
        assert verify_file(path, out, expect_head=third) == DEVIATION
        assert "de verwachte kop is schakel 3 van 5, niet de laatste" in out.getvalue()


class TestNoExport:
    """Refused before anything is read: no database involved."""

    def test_not_an_export(self, tmp_path: Path) -> None:
        code, output = run_verify({"hello": "world"}, tmp_path)
        assert code == UNREADABLE
        assert "niet te controleren" in output

    def test_a_head_that_is_no_hash_is_refused(self, tmp_path: Path, capsys: Any) -> None:
        with pytest.raises(SystemExit) as exit:
            main([str(tmp_path / "x.json"), "--expect-head", "5f0c"])
        assert exit.value.code == 2
        assert "geen kop" in capsys.readouterr().err
