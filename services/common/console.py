"""How the pages for people (the chair's control view, the desk) read their forms.

    fields = await form_fields(request)
    reason = form_text(fields, "reason", label="de reden", max_length=1000)

The forms are urlencoded, as htmx posts them; every refusal is Dutch and comes
before anything changes.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from services.common.bounds import is_storable
from services.common.errors import Invalid

# A form of ours has a handful of short fields; more did not come from our pages.
FORM_FIELDS = 12


async def form_fields(request: Request) -> dict[str, str]:
    """An urlencoded form, each field once (the last wins), trimmed.

    The body is already bounded by ``limits.py``; text no database can store is
    refused here."""
    body = await request.body()
    try:
        parsed = parse_qs(body.decode("utf-8"), max_num_fields=FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid("Dit formulier is niet te lezen.") from exc
    fields = {name: values[-1].strip() for name, values in parsed.items()}
    if not all(is_storable(name) and is_storable(value) for name, value in fields.items()):
        raise Invalid("Het formulier bevat tekens die niet bewaard kunnen worden.")
    return fields


def form_text(fields: dict[str, str], name: str, *, label: str, max_length: int) -> str:
    """A required text field, bounded, refused in Dutch with its ``label``."""
    value = fields.get(name, "")
    if not value:
        raise Invalid(f"Vul {label} in.")
    if len(value) > max_length:
        name = label[:1].upper() + label[1:]
        raise Invalid(f"{name} is te lang: ten hoogste {max_length} tekens.")
    return value
