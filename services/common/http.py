"""Calls from one service to another.

A service that is down or slow must give the caller a clear 503, never a hang
or a 500; a problem answer from the other side is passed on with its meaning.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from services.common.errors import AlvError, UpstreamFailed, UpstreamUnavailable, raises

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# What a route answers when another service it asks is away or talks nonsense;
# mark the dependency that hands out a client with it.
upstream = raises(UpstreamUnavailable, UpstreamFailed)


def url_path(template: str, *parts: str | int) -> str:
    """``template`` with each ``{}`` filled by a part, percent-encoded.

    What a caller sent (a meeting code, an id) never changes the path it is put
    in: ``/``, ``?``, ``#``, ``%``, spaces and control characters are encoded.
    """
    return template.format(*(quote(str(part), safe="") for part in parts))


def fitted(model: type[Model], body: Any, *, upstream: str, what: str) -> Model:
    """``body`` (JSON text as bytes, or JSON values) read as ``model``.

    An answer that does not fit the contract, or its bounds, is the other
    service's fault: ``UpstreamFailed`` (502), raised before the caller writes
    anything. ``what`` names the answer in the detail: "een kiezerslijst die
    niet klopt"; the place of the first fault is added for whoever looks.
    """
    try:
        if isinstance(body, bytes):
            return model.model_validate_json(body)
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "het geheel"
        log.warning(
            "upstream.unfit",
            extra={"upstream": upstream, "model": model.__name__, "error": str(exc)[:1000]},
        )
        raise UpstreamFailed(
            f"De {upstream}-dienst gaf {what} (bij {where}).", upstream=upstream
        ) from exc


class UpstreamProblem(AlvError):
    """The other service refused the request; its status and detail are passed on."""

    def __init__(self, status_code: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code


class ServiceClient:
    """A keep-alive client for one other service, authenticated with one token."""

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        token: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.name = name
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _answer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The other service's answer, unless it is away or failed (503)."""
        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            log.warning("upstream.unavailable", extra={"upstream": self.name, "error": str(exc)})
            raise UpstreamUnavailable(
                f"De {self.name}-dienst is niet bereikbaar. Probeer het zo opnieuw.",
                upstream=self.name,
            ) from exc
        if response.status_code >= 500:
            raise UpstreamUnavailable(
                f"De {self.name}-dienst gaf een storing ({response.status_code}).",
                upstream=self.name,
            )
        return response

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise UpstreamFailed(
                f"De {self.name}-dienst gaf een onleesbaar antwoord.", upstream=self.name
            ) from exc

    def _refused(self, response: httpx.Response, body: Any) -> UpstreamProblem:
        return UpstreamProblem(
            response.status_code,
            str(body.get("code", "upstream_refused")),
            str(body.get("detail", f"De {self.name}-dienst weigerde het verzoek.")),
        )

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._answer(method, path, **kwargs)
        body = self._json(response)
        if response.status_code >= 400:
            raise self._refused(response, body)
        return body

    async def get_bytes(self, path: str, **kwargs: Any) -> bytes:
        """The body of a successful GET as it came, for a caller that parses a
        large answer straight into its model (no dicts in between)."""
        response = await self._answer("GET", path, **kwargs)
        if response.status_code >= 400:
            raise self._refused(response, self._json(response))
        return response.content

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        return await self.request_json("GET", path, **kwargs)
