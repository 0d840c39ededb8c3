"""One GET with timeouts, retries on transient failures and errors a user can act on (httpx)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from planner.errors import PlannerError
from planner.extras import require

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth another try (rate limit, server trouble)."""


class PriceFetchError(PlannerError):
    """Prices could not be fetched: the message names the source, the request and what went wrong."""


def get_text(
    client: Any,
    url: str,
    params: Mapping[str, str],
    *,
    source: str,
    retries: int = 3,
    backoff_s: float = 1.0,
    redact: tuple[str, ...] = (),
) -> str:
    """The body of ``GET url?params``; transient failures are retried ``retries`` times.

    ``backoff_s`` doubles after each failed try (a ``Retry-After`` header of up to 60 s is honoured).
    Parameters named in ``redact`` (a token) never appear in an error message.

    Raises
    ------
    PriceFetchError
        On a timeout or connection failure after the retries, or on an HTTP error status.
    """
    httpx = require("httpx", "planner prices fetch")
    shown = {k: ("***" if k in redact else v) for k, v in params.items()}
    where = f"{source} {url} {shown}"
    delay = backoff_s
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = client.get(url, params=dict(params))
        except httpx.TimeoutException:
            if last:
                raise PriceFetchError(f"{where}: no answer within the timeout ({retries + 1} tries)") from None
        except httpx.TransportError as exc:
            if last:
                raise PriceFetchError(f"{where}: cannot connect ({exc})") from None
        else:
            if response.status_code < 400:
                return response.text
            if response.status_code not in RETRY_STATUS or last:
                body = " ".join(response.text.split())[:200]
                raise PriceFetchError(f"{where}: HTTP {response.status_code} ({body})")
            after = response.headers.get("Retry-After", "")
            if after.isdigit():
                delay = min(float(after), 60.0)
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def make_client(timeout_s: float) -> Any:
    """An ``httpx.Client`` with ``timeout_s`` for connect, read and write, following redirects (the ``[fetch]``
    extra)."""
    httpx = require("httpx", "planner prices fetch")
    return httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=True,
                        headers={"User-Agent": "ev-dispatch-planner"})
