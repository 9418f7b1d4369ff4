"""Domain errors of the registration service (all under ``AlvError``).

AlvError
 ├── NotFound
 │    ├── MeetingNotFound      404
 │    ├── MemberNotFound       404
 │    ├── UnknownCard          404  well-formed code we never issued
 │    ├── NotRegistered        404  the member has no handset now
 │    ├── HandsetNotBound      404  the handset belongs to nobody now
 │    ├── CardNotValid         404  receipt check: wrong, forged or revoked, one answer
 │    └── NoCard               404  nothing issued yet to re-issue or render
 ├── Conflict
 │    ├── MeetingExists        409
 │    ├── CardRevoked          409  replaced by a re-issued card
 │    ├── AlreadyRegistered    409  (when, which handset)
 │    ├── HandsetInUse         409  bound to another municipality
 │    ├── PopulationMissing    409  cards blocked until staff supply a figure
 │    ├── MailNotConfigured    409  no SMTP server in the settings
 │    └── MailingBusy          409  another run is mailing this meeting's cards
 └── Invalid
      ├── MalformedCode        422  not a stemkaart code at all
      ├── ForgedCard           422  the tag does not match: altered or forged
      ├── OtherMeetingCard     422  a valid-looking code of another meeting
      ├── MalformedHandset     422
      ├── NotConfirmed         422  no card and no officer's confirmation
      └── BadImport            422
"""

from __future__ import annotations

from services.common.errors import Conflict, Invalid, NotFound, Unauthorized


class MeetingNotFound(NotFound):
    code = "meeting_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class UnknownCard(NotFound):
    code = "unknown_card"


class NotRegistered(NotFound):
    code = "not_registered"


class MeetingExists(Conflict):
    code = "meeting_exists"


class CardRevoked(Conflict):
    code = "card_revoked"


class AlreadyRegistered(Conflict):
    code = "already_registered"


class HandsetInUse(Conflict):
    code = "handset_in_use"


class PopulationMissing(Conflict):
    code = "population_missing"


class MalformedCode(Invalid):
    code = "malformed_code"


class ForgedCard(Invalid):
    code = "forged_card"


class OtherMeetingCard(Invalid):
    code = "other_meeting_card"


class MalformedHandset(Invalid):
    code = "malformed_handset"


class BadImport(Invalid):
    code = "bad_import"


class HandsetNotBound(NotFound):
    code = "handset_not_bound"


class NoCard(NotFound):
    code = "no_card"


class MailNotConfigured(Conflict):
    code = "mail_not_configured"


class MailingBusy(Conflict):
    code = "mailing_busy"


class NotConfirmed(Invalid):
    code = "not_confirmed"


class CardNotValid(NotFound):
    code = "card_not_valid"


class AccountNotFound(NotFound):
    code = "account_not_found"


class TokenNotFound(NotFound):
    code = "token_not_found"


class AccountExists(Conflict):
    code = "account_exists"


class TokenExists(Conflict):
    code = "token_exists"


class BadAccount(Invalid):
    """A login name, password or role list that an account or token cannot have."""

    code = "bad_account"


class LoginFailed(Unauthorized):
    """The login name and password do not open an account (never says which part)."""

    code = "login_failed"
