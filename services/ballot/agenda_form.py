"""The agenda editor's vote form, to and from the API's ``VoteCreate``.

Pure: the form's texts in, the values ``VoteCreate`` checks out (and back, to
fill the form for an edit). The form asks what a secretariat knows, not keys
and roles: candidates or options one per line (numbered 1, 2, ... in that
order, the keys on the handset), whether "onthouding" is a choice too, the
majority as one of ``MAJORITY_RULES``, and the base as "as the meeting" or
one of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.ballot.schemas import OptionRole, VoteKind, VoteRead
from services.domain.decision import MAJORITY_RULES, MajorityRule

# Kinds whose options are the chair's own (numbered choices); the others are
# voor/tegen/onthouding, or any key (a proefstemming).
CHOICE_KINDS = frozenset({VoteKind.VERKIEZING.value, VoteKind.ORDEVOORSTEL.value})
ABSTAIN_LABEL = "onthouding"
MAX_CHOICES = 9  # keys 1-9; with onthouding on 0
_ID = re.compile(r"[0-9]{1,9}")
BASES = {"": None, "true": True, "false": False}  # "": the meeting's base


class FormError(ValueError):
    """What is wrong with the form (Dutch, for the page)."""


@dataclass(frozen=True)
class VoteForm:
    """The form's fields, as the page posts them and as it shows them."""

    kind: str = VoteKind.VOORSTEL.value
    title: str = ""
    agenda_item: str = ""
    office: str = ""
    options: str = ""  # one label per line
    with_abstain: bool = True
    majority: str = MAJORITY_RULES[0].notation
    base: str = ""
    named: bool = True
    amends: str = ""
    part_of: str = ""


def rule_for(notation: str) -> MajorityRule:
    for rule in MAJORITY_RULES:
        if rule.notation == notation:
            return rule
    raise FormError("kies een meerderheid uit de lijst")


def _link(text: str, what: str) -> int | None:
    if not text:
        return None
    if _ID.fullmatch(text) is None:
        raise FormError(f"kies {what} uit de lijst")
    return int(text)


def _options(form: VoteForm) -> list[dict[str, Any]] | None:
    labels = [line.strip() for line in form.options.splitlines() if line.strip()]
    if form.kind not in CHOICE_KINDS:
        if labels:
            raise FormError(
                "alleen een verkiezing of ordevoorstel heeft eigen opties;"
                " een voorstel, motie of amendement heeft voor, tegen en onthouding"
            )
        return None
    if len(labels) < 2:
        raise FormError("geef ten minste twee kandidaten of opties, één per regel")
    if len(labels) > MAX_CHOICES:
        raise FormError(f"ten hoogste {MAX_CHOICES} kandidaten of opties")
    options = [
        {"key": key, "label": label, "role": OptionRole.CHOICE.value}
        for key, label in enumerate(labels, start=1)
    ]
    if form.with_abstain:
        key = len(labels) + 1 if len(labels) < MAX_CHOICES else 0
        options.append({"key": key, "label": ABSTAIN_LABEL, "role": OptionRole.ABSTAIN.value})
    return options


def to_vote(form: VoteForm) -> dict[str, Any]:
    """The values of ``VoteCreate`` the form says; ``FormError`` for what it cannot."""
    if form.base not in BASES:
        raise FormError("kies of onthoudingen meetellen")
    rule = rule_for(form.majority)
    return {
        "kind": form.kind,
        "title": form.title,
        "agenda_item": form.agenda_item or None,
        "office": form.office or None,
        "options": _options(form),
        "majority": {
            "numerator": rule.numerator,
            "denominator": rule.denominator,
            "inclusive": rule.inclusive,
        },
        "abstentions_cast": BASES[form.base],
        "named": form.named,
        "amends_vote_id": _link(form.amends, "het voorstel of de motie die het wijzigt"),
        "part_of_vote_id": _link(form.part_of, "de motie waar het een onderdeel van is"),
    }


def from_vote(vote: VoteRead) -> VoteForm:
    """The form filled in as ``vote`` is, to edit it."""
    choices = [o.label for o in vote.options if o.role is OptionRole.CHOICE]
    majority = vote.majority
    notation = f"{'>=' if majority.inclusive else ''}{majority.numerator}/{majority.denominator}"
    return VoteForm(
        kind=vote.kind.value,
        title=vote.title,
        agenda_item=vote.agenda_item or "",
        office=vote.office or "",
        options="\n".join(choices) if vote.kind.value in CHOICE_KINDS else "",
        with_abstain=any(o.role is OptionRole.ABSTAIN for o in vote.options),
        majority=notation,
        base="" if vote.follows_meeting_base else str(vote.abstentions_cast).lower(),
        named=vote.named,
        amends=str(vote.amends_vote_id or ""),
        part_of=str(vote.part_of_vote_id or ""),
    )
