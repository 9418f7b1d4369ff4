"""``alv users``, ``alv tokens`` and ``alv setup`` on a fresh registration database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alv.cli import main

# Not marked db: the command makes its own SQLite file in tmp_path whatever
# database the run uses, so a PostgreSQL pass would only repeat it.


def alv(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The exit code, and what it printed (stdout, then stderr)."""
    code = main(list(args))
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def test_setup_then_users_and_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGISTRATION_DATABASE_URL", raising=False)
    where = ("--data-dir", str(tmp_path))
    code, out = alv(capsys, "setup", *where)
    assert code == 0
    assert re.search(r"^GATEWAY_TOKEN=alv_\S+$", out, re.M)
    assert re.search(r"^BALLOT_SERVICE_TOKEN=alv_\S+$", out, re.M)
    assert "naam 'secretariaat'" in out
    # A second setup makes new tokens beside the old ones, and no second account.
    code, again = alv(capsys, "setup", *where)
    assert code == 0 and "secretariaat" not in again

    code, out = alv(
        capsys,
        "users",
        "add",
        "j.jansen",
        "--name",
        "Jan Jansen",
        "--role",
        "desk",
        "--role",
        "chair",
        *where,
    )
    assert code == 0
    password = out.split("Wachtwoord (eenmalig getoond): ")[1].strip()
    assert len(password) >= 10
    code, out = alv(capsys, "users", "add", "j.jansen", "--role", "desk", *where)
    assert code == 1 and out.endswith("Er is al een account 'j.jansen'.\n")

    code, out = alv(capsys, "users", "disable", "j.jansen", *where)
    assert code == 0
    _, listed = alv(capsys, "users", "list", *where)
    assert re.search(r"^j\.jansen\s+Jan Jansen\s+chair,desk\s+uitgeschakeld", listed, re.M)

    code, out = alv(capsys, "tokens", "create", "integrator-x", "--role", "integrator", *where)
    assert code == 0 and out.startswith("alv_")
    code, _ = alv(capsys, "tokens", "revoke", "integrator-x", *where)
    assert code == 0
    _, tokens = alv(capsys, "tokens", "list", *where)
    assert re.search(r"^integrator-x\s+integrator\s+ingetrokken", tokens, re.M)
    assert "alv_" not in tokens  # never the token itself
