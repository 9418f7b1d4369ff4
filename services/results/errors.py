"""Domain errors of the results service (all under ``AlvError``).

AlvError
 ├── NotFound
 │    ├── VoteNotFound               404  ballot's, or an id that cannot exist
 │    ├── MeetingNotFound            404  registration's, passed on (by ballot when opening)
 │    └── CardNotValid               404  registration's, passed on (receipt check)
 ├── TooManyAttempts                 429  (common) receipt check: wrong card codes, wait
 └── Conflict
      ├── ProefstemmingHasNoOutcome  409  a test vote never counts
      ├── VoteNotClosed              409  prepared, or open and asked without a token
      ├── AlreadyPublished           409  the stemgedrag is public: its mode is final
      ├── WrongVoteState             409  ballot's, passed on (the chair's controls)
      ├── AnotherVoteOpen            409  ballot's, passed on
      ├── EmptyElectorate            409  ballot's, passed on
      ├── UndecidedAmendments        409  ballot's, passed on: the chair may confirm
      ├── AlreadyHeldAgain           409  ballot's, passed on
      └── NoRunoff                   409  ballot's, passed on

A vote whose outcome cannot be computed is no error: its outcome says so
(``not_computable``), so it never blocks the rest of its meeting.

Another service's refusals reach the caller as it answered them (the service
client passes status and code on); the classes marked "ballot's" or
"registration's" are declared here, on the consumer's side like ballot's
schemas, so the OpenAPI document says which codes they are. A service that
cannot be reached is 503 (``upstream_unavailable``).
"""

from __future__ import annotations

from services.common.errors import Conflict, NotFound


class VoteNotFound(NotFound):
    """No such vote (ballot's answer, or an id no vote can have)."""

    code = "vote_not_found"


class MeetingNotFound(NotFound):
    """Registration does not know the meeting (passed on)."""

    code = "meeting_not_found"


class CardNotValid(NotFound):
    """No valid, current stemkaart with this code (registration's answer)."""

    code = "card_not_valid"


class ProefstemmingHasNoOutcome(Conflict):
    code = "test_vote"


class VoteNotClosed(Conflict):
    code = "vote_not_closed"


class AlreadyPublished(Conflict):
    code = "already_published"


class WrongVoteState(Conflict):
    """The vote is not in the state this needs (ballot's answer)."""

    code = "wrong_vote_state"


class AnotherVoteOpen(Conflict):
    """Another vote of the meeting is open (ballot's answer)."""

    code = "another_vote_open"


class EmptyElectorate(Conflict):
    """Nobody is present: the vote cannot open (ballot's answer)."""

    code = "empty_electorate"


class UndecidedAmendments(Conflict):
    """A proposal before its amendments: open it only on the chair's confirmation."""

    code = "undecided_amendments"


class AlreadyHeldAgain(Conflict):
    code = "already_held_again"


class NoRunoff(Conflict):
    """The outcome has a winner, a tie for second place, or nothing was cast."""

    code = "no_runoff"
