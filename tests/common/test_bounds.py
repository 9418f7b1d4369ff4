"""What one service keeps within its bounds, the next one takes (common/bounds.py).

Registration is the source of truth of members, their codes and weights;
ballot and results check what it sends with the shared, wider bounds. A change
to one side that the other would refuse fails here, not at a meeting.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from services.common.bounds import MAX_VOTES, MEMBER_CODE, MEMBER_KEY, MIN_VOTES
from services.registration.weights import MAX_POPULATION, weight_for


@given(st.from_regex(MEMBER_CODE, fullmatch=True))
def test_every_member_code_registration_stores_is_a_key_the_others_take(code: str) -> None:
    # Registration stores a code upper case (imports.py).
    assert re.fullmatch(MEMBER_KEY, code.strip().upper())


@given(st.integers(min_value=0, max_value=MAX_POPULATION))
def test_every_weight_registration_computes_is_one_the_others_take(population: int) -> None:
    assert MIN_VOTES <= weight_for(population) <= MAX_VOTES
