"""Domain errors of the results service (all under ``AlvError``).

AlvError
 └── Conflict
      ├── ProefstemmingHasNoOutcome  409  a test vote never counts
      └── VoteNotClosed              409  prepared, or open and asked without a token

A vote whose outcome cannot be computed is no error: its outcome says so
(``not_computable``), so it never blocks the rest of its meeting.

A vote unknown to ballot arrives as ballot's own 404 (``vote_not_found``),
passed on by the service client; ballot unreachable is 503
(``upstream_unavailable``).
"""

from __future__ import annotations

from services.common.errors import Conflict


class ProefstemmingHasNoOutcome(Conflict):
    code = "test_vote"


class VoteNotClosed(Conflict):
    code = "vote_not_closed"
