"""Domain errors of the ballot service (all under ``AlvError``).

AlvError
 ├── NotFound
 │    ├── VoteNotFound        404  also for an id that cannot exist
 │    └── MeetingNotFound     404  registration's, passed on when a vote opens
 ├── Conflict
 │    ├── PopulationMissing   409  registration's, passed on: a present member has no weight
 │    ├── AnotherVoteOpen     409  one open vote per meeting
 │    ├── WrongVoteState      409  e.g. closing a vote that is not open
 │    ├── EmptyElectorate     409  nobody present: a vote cannot open
 │    ├── NotATestVote        409  the missing list is for a proefstemming
 │    ├── AlreadyHeldAgain    409  a vote is held again once (or gets one runoff)
 │    ├── UndecidedAmendments 409  a proposal before its amendments (confirmable)
 │    ├── NotPrepared         409  only a prepared vote is edited or removed
 │    ├── StillLinked         409  removing a vote others link to
 │    └── NoRunoff            409  the outcome has a winner, a tie for second, nothing cast
 ├── Invalid
 │    ├── BadLink             422  a link the agenda cannot have (see links.py)
 │    ├── BadOrder            422  a new order that is not the prepared votes
 │    └── BadAgenda           422  an agenda file that cannot be read at all
 ├── UpstreamUnavailable      503  (common) registration unreachable when a
 │                                 batch has a handset unknown to the open vote
 └── UpstreamFailed           502  (common) registration's electorate or binding
                                   changes out of the shared bounds (bounds.py)
"""

from __future__ import annotations

from services.common.errors import Conflict, Invalid, NotFound


class VoteNotFound(NotFound):
    code = "vote_not_found"


class MeetingNotFound(NotFound):
    """Registration does not know the meeting (its answer, passed on)."""

    code = "meeting_not_found"


class PopulationMissing(Conflict):
    """Registration has a present member without a figure, so without a weight
    (its answer, passed on)."""

    code = "population_missing"


class AnotherVoteOpen(Conflict):
    code = "another_vote_open"


class WrongVoteState(Conflict):
    code = "wrong_vote_state"


class EmptyElectorate(Conflict):
    code = "empty_electorate"


class BadLink(Invalid):
    code = "bad_link"


class NotATestVote(Conflict):
    code = "not_a_test_vote"


class AlreadyHeldAgain(Conflict):
    code = "already_held_again"


class BadOrder(Invalid):
    code = "bad_order"


class BadAgenda(Invalid):
    code = "bad_agenda"


class UndecidedAmendments(Conflict):
    code = "undecided_amendments"


class NotPrepared(Conflict):
    code = "not_prepared"


class StillLinked(Conflict):
    code = "still_linked"


class NoRunoff(Conflict):
    code = "no_runoff"
