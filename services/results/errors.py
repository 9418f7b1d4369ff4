"""Domain errors of the results service (all under ``AlvError``).

AlvError
 ├── NotFound
 │    ├── VoteNotFound               404  ballot's, or an id that cannot exist
 │    └── MeetingNotFound            404  registration's, passed on by ballot (open)
 └── Conflict
      ├── ProefstemmingHasNoOutcome  409  a test vote never counts
      ├── VoteNotClosed              409  prepared, or open and asked without a token
      ├── WrongVoteState             409  ballot's, passed on (the chair's controls)
      ├── AnotherVoteOpen            409  ballot's, passed on
      └── EmptyElectorate            409  ballot's, passed on

A vote whose outcome cannot be computed is no error: its outcome says so
(``not_computable``), so it never blocks the rest of its meeting.

Ballot's refusals reach the caller as ballot answered them (the service client
passes status and code on); the classes marked "ballot's" are declared here,
on the consumer's side like ballot's schemas, so the OpenAPI document says
which codes they are. Ballot unreachable is 503 (``upstream_unavailable``).
"""

from __future__ import annotations

from services.common.errors import Conflict, NotFound


class VoteNotFound(NotFound):
    """No such vote (ballot's answer, or an id no vote can have)."""

    code = "vote_not_found"


class MeetingNotFound(NotFound):
    """Registration does not know the meeting (passed on by ballot)."""

    code = "meeting_not_found"


class ProefstemmingHasNoOutcome(Conflict):
    code = "test_vote"


class VoteNotClosed(Conflict):
    code = "vote_not_closed"


class WrongVoteState(Conflict):
    """The vote is not in the state this needs (ballot's answer)."""

    code = "wrong_vote_state"


class AnotherVoteOpen(Conflict):
    """Another vote of the meeting is open (ballot's answer)."""

    code = "another_vote_open"


class EmptyElectorate(Conflict):
    """Nobody is present: the vote cannot open (ballot's answer)."""

    code = "empty_electorate"
