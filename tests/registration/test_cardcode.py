from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration import cardcode

SECRET = bytes(range(32))


def make(meeting: str = "alv-2023-12", member: str = "GM0363", version: int = 1) -> str:
    return cardcode.issue(secret=SECRET, meeting=meeting, member=member, version=version)


class TestIssueAndVerify:
    def test_round_trip(self) -> None:
        claim = cardcode.parse(make())
        assert (claim.meeting, claim.member, claim.version) == ("alv-2023-12", "GM0363", 1)
        assert cardcode.is_authentic(claim, SECRET)

    def test_tag_carries_at_least_64_bits(self) -> None:
        assert len(cardcode.parse(make()).tag) * 5 >= 64

    def test_scanner_case_and_whitespace_do_not_matter(self) -> None:
        assert cardcode.is_authentic(cardcode.parse(f"  {make().lower()}\r\n"), SECRET)

    def test_other_secret_fails(self) -> None:
        assert not cardcode.is_authentic(cardcode.parse(make()), bytes(32))

    @pytest.mark.parametrize(
        "altered",
        [
            lambda c: c.replace("GM0363", "GM0344"),
            lambda c: c.replace(".1.", ".2."),
            lambda c: c.replace("ALV-2023-12", "ALV-2023-06"),
        ],
    )
    def test_altered_field_fails(self, altered: object) -> None:
        assert callable(altered)
        assert not cardcode.is_authentic(cardcode.parse(altered(make())), SECRET)

    @given(
        st.integers(min_value=0, max_value=15), st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    )
    def test_any_changed_tag_character_fails(self, position: int, replacement: str) -> None:
        code = make()
        prefix, tag = code.rsplit(".", 1)
        if tag[position] == replacement:
            return
        forged = f"{prefix}.{tag[:position]}{replacement}{tag[position + 1 :]}"
        assert not cardcode.is_authentic(cardcode.parse(forged), SECRET)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "004711",
            "ALV1.X.GM0363.1",
            "ALV2.ALV.GM0363.1.AAAAAAAAAAAAAAAA",
            "ALV1.ALV.GM363.1.AAAAAAAAAAAAAAAA",
        ],
    )
    def test_malformed_codes_are_refused(self, text: str) -> None:
        with pytest.raises(cardcode.MalformedCardCode):
            cardcode.parse(text)

    @given(st.text(max_size=80))
    def test_parse_never_raises_anything_else(self, text: str) -> None:
        with contextlib.suppress(cardcode.MalformedCardCode):
            cardcode.parse(text)
