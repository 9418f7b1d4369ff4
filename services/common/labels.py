"""Dutch words for the values the services exchange: defined once, here.

The APIs speak in stable English values (``voorstel`` is already Dutch, but
``prepared``, ``OK`` and ``abstain`` are not); every page, every export that
people read and the live screen's script take their words from these tables,
so a label is changed in one place. Keys are the API values as strings, so
this module needs nothing from the services that own the enums; a test holds
each enum and its table together.
"""

from __future__ import annotations

import datetime
from typing import Final

VOTE_KINDS: Final = {
    "proefstemming": "Proefstemming",
    "voorstel": "Voorstel",
    "motie": "Motie",
    "amendement": "Amendement",
    "ordevoorstel": "Ordevoorstel",
    "verkiezing": "Verkiezing",
}

VOTE_STATUSES: Final = {
    "prepared": "voorbereid",
    "open": "open",
    "closed": "gesloten",
    "annulled": "nietig verklaard",
}

OPTION_ROLES: Final = {
    "for": "voor",
    "against": "tegen",
    "abstain": "onthouding",
    "choice": "keuze",
}

# What a handset's press got (PROTOCOL.md), as the auditors read it.
PRESS_STATUSES: Final = {
    "OK": "geteld",
    "NOPOLL": "geen stemming open",
    "LATE": "te laat",
    "BADKEY": "ongeldige toets",
    "DENY": "geweigerd",
}

# What the handset registry warns about before a vote.
HANDSET_PROBLEMS: Final = {
    "never_seen": "nooit gehoord",
    "out_of_range": "buiten bereik",
    "low_battery": "batterij bijna leeg",
}

# How a representative was admitted at the desk.
ADMISSIONS: Final = {
    "card": "stemkaart",
    "forgotten_card": "stemkaart vergeten",
    "authorisation_form": "machtigingsformulier",
}

# Who may do what (services/common/auth.py): people's roles, then machines'.
ROLES: Final = {
    "secretariat": "secretariaat",
    "chair": "voorzitter",
    "desk": "stembalie",
    "auditor": "commissie van stemopneming",
    "gateway": "gateway",
    "service": "dienst",
    "integrator": "koppeling (alleen lezen)",
}

DECIDED_BY: Final = {
    "vote": "bij stemming",
    "acclamation": "bij acclamatie",
}


# The base of a vote's majority, by its ``abstentions_cast`` (as API text).
ABSTENTION_BASES: Final = {
    "false": "voor en tegen (onthoudingen tellen niet mee)",
    "true": "voor, tegen en onthouding (onthoudingen tellen mee)",
}

# A vote's ``named``: whether every municipality's choice is published.
SECRECY: Final = {
    "true": "hoofdelijk (stemgedrag per gemeente wordt gepubliceerd)",
    "false": "geheim (alleen de totalen)",
}

# A stemkaart e-mail attempt.
MAIL_STATUSES: Final = {
    "sent": "verzonden",
    "failed": "mislukt",
}

# What a member import does to a member.
IMPORT_CHANGES: Final = {
    "new": "nieuw",
    "updated": "gewijzigd",
    "unchanged": "ongewijzigd",
}

# When a meeting's stemgedrag becomes public (results' publication mode).
PUBLICATION_MODES: Final = {
    "after_meeting": "na de vergadering, door het secretariaat",
    "at_once": "direct bij het sluiten van de stemming",
}

# What registration's audit log records (its ``action``), as the auditors'
# timeline says it; ballot's and results' lines arrive in Dutch already.
AUDIT_ACTIONS: Final = {
    "meeting.created": "vergadering aangemaakt",
    "members.imported": "ledenlijst ingelezen",
    "member.population_supplied": "inwonertal ingevoerd",
    "contacts.imported": "contactpersonen ingelezen",
    "cards.issued": "stemkaarten uitgegeven",
    "card.revoked": "stemkaart ingetrokken",
    "card.reissued": "stemkaart opnieuw uitgegeven",
    "card.mailed": "stemkaart gemaild",
    "card.mail_failed": "stemkaart mailen mislukt",
    "handset.bound": "stemkastje uitgegeven",
    "handset.bound_without_card": "stemkastje uitgegeven zonder stemkaart",
    "handset.bound_with_authorisation": "stemkastje uitgegeven met machtigingsformulier",
    "handset.swapped": "stemkastje geruild",
    "handset.returned": "stemkastje ingenomen",
}

# The particulars of an audit line, by the name its service gives them.
AUDIT_DETAILS: Final = {
    "created": "nieuw",
    "error": "fout",
    "handset": "stemkastje",
    "hash": "hash",
    "issued": "uitgegeven",
    "kind": "soort",
    "meeting_date": "datum",
    "meeting_name": "vergadering",
    "member_code": "gemeente",
    "member_name": "gemeente",
    "mode": "publicatie",
    "name": "naam",
    "new": "nieuw",
    "officer": "medewerker",
    "old": "oud",
    "old_population": "oud inwonertal",
    "old_weight": "oud stemgewicht",
    "population": "inwonertal",
    "position": "positie op de agenda",
    "read": "gelezen",
    "reason": "reden",
    "recipient": "aan",
    "sequence": "schakel",
    "skipped": "overgeslagen",
    "smtp_code": "SMTP-code",
    "source": "bron",
    "title": "titel",
    "unmatched": "niet gevonden",
    "updated": "bijgewerkt",
    "version": "versie",
    "weight": "stemgewicht",
}


def label(table: dict[str, str], value: object) -> str:
    """The Dutch word for ``value``, or the value itself when the table lacks it."""
    if isinstance(value, bool):  # the tables of flags are keyed as JSON writes them
        return table.get(str(value).lower(), str(value))
    text = str(getattr(value, "value", value))
    return table.get(text, text)


# Handed to every template as ``labels`` and to the live screen's script as JSON.
ALL: Final = {
    "vote_kinds": VOTE_KINDS,
    "vote_statuses": VOTE_STATUSES,
    "option_roles": OPTION_ROLES,
    "press_statuses": PRESS_STATUSES,
    "decided_by": DECIDED_BY,
    "handset_problems": HANDSET_PROBLEMS,
    "admissions": ADMISSIONS,
    "roles": ROLES,
    "abstention_bases": ABSTENTION_BASES,
    "secrecy": SECRECY,
    "mail_statuses": MAIL_STATUSES,
    "import_changes": IMPORT_CHANGES,
    "audit_actions": AUDIT_ACTIONS,
    "audit_details": AUDIT_DETAILS,
    "publication_modes": PUBLICATION_MODES,
}


_WEEKDAYS: Final = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
_MONTHS: Final = (
    *("januari", "februari", "maart", "april", "mei", "juni"),
    *("juli", "augustus", "september", "oktober", "november", "december"),
)


def dutch_date(day: datetime.date, *, weekday: bool = True) -> str:
    """``vrijdag 1 december 2023``, or ``1 december 2023`` without the weekday."""
    date = f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {date}" if weekday else date


def dutch_number(value: int) -> str:
    """Whole numbers with a point between thousands, as Dutch minutes write them: 13.074."""
    return f"{value:,}".replace(",", ".")


def capitalised(text: str | None) -> str:
    """The first letter upper case: a sentence of the minutes at the start of a line."""
    return text[:1].upper() + text[1:] if text else ""
