"""Domain errors of the results service (all under ``AlvError``).

AlvError
 ├── TooManyAttempts                 429  receipt check: wrong card codes, wait
 └── Conflict
      ├── ProefstemmingHasNoOutcome  409  a test vote never counts
      ├── VoteNotClosed              409  prepared, or open and asked without a token
      ├── OutcomeNotComputable       409  the vote's options fit no decision rule
      └── AlreadyPublished           409  the stemgedrag is public: its mode is final

A vote unknown to ballot arrives as ballot's own 404 (``vote_not_found``),
passed on by the service client; ballot unreachable is 503
(``upstream_unavailable``).
"""

from __future__ import annotations

from services.common.errors import AlvError, Conflict


class ProefstemmingHasNoOutcome(Conflict):
    code = "test_vote"


class VoteNotClosed(Conflict):
    code = "vote_not_closed"


class OutcomeNotComputable(Conflict):
    code = "outcome_not_computable"


class AlreadyPublished(Conflict):
    code = "already_published"


class TooManyAttempts(AlvError):
    status_code = 429
    code = "too_many_attempts"
