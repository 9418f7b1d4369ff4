"""Reading the forms of the pages: bounded, and refused in Dutch. The one
reader for every page (the console, the agenda, the desk, the chair's view).

    form = await read_form(request)                  # urlencoded or multipart
    name = text_field(form, "name")                  # "" when left out
    password = raw_field(form, "password")           # as typed: not trimmed
    roles = raw_values(form, "roles")                # a field sent more than once
    code = required_text(form, "card_code", label="de code van de stemkaart", max_length=40)
    upload = await file_field(form, "csv")           # (name, text), None when empty
    data = validated(MeetingCreate, {...}, HINTS)    # the API's own schema, errors in Dutch

A page posts the same values the API takes, so it is checked by the API's own
schema; only the wording of a refusal differs: pydantic speaks English, the
pages say per field what is expected (``hints``), and keep the Dutch messages
our own validators already give. Every refusal comes before anything changes.

The login reads ``lenient``: a form it cannot read is an empty form, so the
refusal that follows is the same as for a wrong password and says nothing of
why; it also bounds the fields tighter (``max_fields``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from services.common.bounds import is_storable, upload_text
from services.common.errors import Invalid

Model = TypeVar("Model", bound=BaseModel)
# No form of ours has more fields than an agenda vote with its options.
MAX_FIELDS = 60
MAX_FILES = 3


async def read_form(
    request: Request, *, lenient: bool = False, max_fields: int = MAX_FIELDS
) -> FormData:
    """The posted form (the route's ``max_body_size`` already bounds its size);
    a malformed form, one with more than ``max_fields`` fields, or text no
    database can store is refused here, or with ``lenient`` read as empty."""
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=max_fields)
    except HTTPException as exc:  # Starlette's answer to a malformed or oversized form
        if lenient:
            return FormData()
        raise Invalid("Dit formulier is niet te lezen.") from exc
    for name, value in form.multi_items():
        if not is_storable(name) or (isinstance(value, str) and not is_storable(value)):
            if lenient:
                return FormData()
            raise Invalid("Het formulier bevat tekens die niet bewaard kunnen worden.")
    return form


def text_field(form: FormData, name: str) -> str:
    """A text field, trimmed, its last value winning; "" when left out."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def raw_values(form: FormData, name: str) -> list[str]:
    """Every value of a field sent more than once (the roles' checkboxes), as
    sent; files are left out."""
    return [value for value in form.getlist(name) if isinstance(value, str)]


def raw_field(form: FormData, name: str) -> str:
    """A text field exactly as sent: not trimmed (a password's spaces are part
    of it), and of a repeated field the first value, as the login has always
    read it; "" when left out."""
    values = raw_values(form, name)
    return values[0] if values else ""


def required_text(form: FormData, name: str, *, label: str, max_length: int) -> str:
    """A required text field, bounded, refused in Dutch with its ``label``."""
    value = text_field(form, name)
    if not value:
        raise Invalid(f"Vul {label} in.")
    if len(value) > max_length:
        raise Invalid(
            f"{label[:1].upper()}{label[1:]} is te lang: ten hoogste {max_length} tekens."
        )
    return value


def checked(form: FormData, name: str) -> bool:
    """A checkbox: sent (with any value) when ticked, left out when not."""
    return name in form


async def file_field(form: FormData, name: str) -> tuple[str, str] | None:
    """An uploaded file as (its name, its text); None when no file was chosen."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile):
        return None
    body = await upload.read()
    await upload.close()
    if not body or not upload.filename:
        return None
    try:
        return upload.filename[:200], upload_text(body)
    except ValueError as exc:
        raise Invalid(f"Het bestand '{upload.filename}' is niet te lezen: {exc}.") from exc


def _dutch(error: Mapping[str, Any], hints: Mapping[str, str]) -> str:
    field = str(error["loc"][0]) if error.get("loc") else ""
    message = str(error.get("msg", ""))
    # Our own validators write Dutch ("value_error" and the custom ones); pydantic's don't.
    if error.get("type") == "value_error":
        return message.removeprefix("Value error, ")
    if error.get("type") in ("majority", "options"):
        return message
    return hints.get(field, f"'{field}' is niet goed ingevuld")


def validated(model: type[Model], values: Mapping[str, Any], hints: Mapping[str, str]) -> Model:
    """``values`` as ``model``, or ``Invalid`` naming in Dutch what to fix."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        reasons = list(dict.fromkeys(_dutch(e, hints) for e in exc.errors()))
        raise Invalid("Niet goed ingevuld: " + "; ".join(reasons) + ".") from exc
