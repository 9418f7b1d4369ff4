"""Domain errors of the ballot service (all under ``AlvError``).

AlvError
 ├── NotFound
 │    └── VoteNotFound        404
 ├── Conflict
 │    ├── AnotherVoteOpen     409  one open vote per meeting
 │    ├── WrongVoteState      409  e.g. closing a vote that is not open
 │    └── EmptyElectorate     409  nobody present: a vote cannot open
 └── Invalid
      └── BadLink             422  a link to a vote of another meeting
"""

from __future__ import annotations

from services.common.errors import Conflict, Invalid, NotFound


class VoteNotFound(NotFound):
    code = "vote_not_found"


class AnotherVoteOpen(Conflict):
    code = "another_vote_open"


class WrongVoteState(Conflict):
    code = "wrong_vote_state"


class EmptyElectorate(Conflict):
    code = "empty_electorate"


class BadLink(Invalid):
    code = "bad_link"
