"""Webhook destination: the audience API protocol of DESIGN §7, over httpx.

Per request: `POST <url>`, JSON body, `Idempotency-Key`, `Authorization: Bearer <token>` when a token is
set. Answers:
- 2xx: the batch is acknowledged;
- 429 / 503: wait `Retry-After` (seconds or an HTTP date; capped), then retry;
- other 5xx, timeouts, refused or dropped connections: retry with exponential backoff, jitter and a cap;
- after `max_attempts` the batch fails, the sync stops and the next run resumes from the journal;
- 401, 403, 404, 405, 407 and redirects: a configuration problem (token, URL) that no split can fix:
  the sync fails at once (the batch stays in the journal for the next run);
- other 4xx: the batch is halved (each half under its own derived key) until the rejected rows are
  isolated; good rows are acknowledged, rejected rows are returned with the answer.
Retries use tenacity; a client-side rate limiter paces requests and records.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)
from tenacity.wait import wait_base

from segment_warehouse.exports.batches import Batch, BatchRecord, split_batch
from segment_warehouse.exports.declarations import WebhookDestination
from segment_warehouse.exports.rate_limit import RateLimiter

#: client errors that mean "wrong URL or credentials": splitting the batch cannot help
CONFIGURATION_ERRORS = frozenset({401, 403, 404, 405, 407})
#: answers to wait for (Retry-After), then retry
THROTTLED = frozenset({429, 503})
USER_AGENT = "segment-warehouse-exports/1"


class TransientDeliveryError(Exception):
    """A retryable failure: 429/503 (with the wait asked for), another 5xx, a timeout, a connection error."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeliveryFailed(Exception):
    """A batch could not be delivered: retries exhausted, or a configuration error (401/403/404…)."""


@dataclass
class BatchOutcome:
    """What happened to one journal batch (including the halves it was split into)."""

    batch: Batch
    acknowledged: list[BatchRecord] = field(default_factory=list)
    #: (record, status code, answer body)
    rejected: list[tuple[BatchRecord, int, str]] = field(default_factory=list)
    attempts: int = 0
    error: str | None = None

    @property
    def settled(self) -> bool:
        """Every record was either acknowledged or rejected: the journal batch is done."""
        return self.error is None


def parse_retry_after(value: str | None, now: Callable[[], dt.datetime] | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent/invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now() if now is not None else dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())


class wait_retry_after_or_backoff(wait_base):
    """Wait what the server asked for (Retry-After, capped), else exponential backoff with jitter."""

    def __init__(self, backoff: wait_base, max_retry_after: float) -> None:
        self.backoff = backoff
        self.max_retry_after = max_retry_after

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        return self.backoff(retry_state)


class WebhookSender:
    """Sends journal batches to one URL; thread-safe (one httpx.Client shared by the sending threads)."""

    def __init__(
        self,
        destination: WebhookDestination,
        url: str,
        token: str | None,
        rate_limiter: RateLimiter,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.destination = destination
        self.url = url
        self.rate_limiter = rate_limiter
        self._sleep = sleep
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        timeout = destination.timeout_seconds
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=destination.max_in_flight, max_keepalive_connections=destination.max_in_flight
            ),
        )
        self._stopped = threading.Event()

    def close(self) -> None:
        self._client.close()

    def stop(self) -> None:
        """Ask in-flight deliveries to give up at their next retry (another batch failed for good)."""
        self._stopped.set()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, batch: Batch) -> BatchOutcome:
        """Deliver a journal batch, splitting on 4xx; never raises for delivery problems."""
        outcome = BatchOutcome(batch=batch)
        try:
            self._deliver(batch, outcome)
        except DeliveryFailed as exc:
            outcome.error = str(exc)
        return outcome

    def _deliver(self, batch: Batch, outcome: BatchOutcome) -> None:
        response = self._post(batch, outcome)
        if response.is_success:
            outcome.acknowledged.extend(batch.records)
            return
        if len(batch.records) == 1:
            outcome.rejected.append((batch.records[0], response.status_code, response.text[:2000]))
            return
        for half in split_batch(batch):
            self._deliver(half, outcome)

    def _post(self, batch: Batch, outcome: BatchOutcome) -> httpx.Response:
        destination = self.destination
        retrying = Retrying(
            stop=stop_after_attempt(destination.max_attempts),
            wait=wait_retry_after_or_backoff(
                wait_exponential(multiplier=destination.backoff_initial_seconds, max=destination.backoff_max_seconds)
                + wait_random(0, destination.backoff_initial_seconds),
                destination.max_retry_after_seconds,
            ),
            retry=retry_if_exception_type(TransientDeliveryError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    if self._stopped.is_set() and outcome.attempts > 0:
                        raise DeliveryFailed("stopped: another batch of this sync failed")
                    outcome.attempts += 1
                    return self._post_once(batch)
        except TransientDeliveryError as exc:
            raise DeliveryFailed(
                f"batch {batch.batch_no} ({batch.operation}, {len(batch.records)} records, key "
                f"{batch.idempotency_key}) not delivered after {destination.max_attempts} attempts: {exc}"
            ) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _post_once(self, batch: Batch) -> httpx.Response:
        self.rate_limiter.acquire(len(batch.records))
        try:
            response = self._client.post(
                self.url, content=batch.body.encode("utf-8"), headers={"Idempotency-Key": batch.idempotency_key}
            )
        except httpx.UnsupportedProtocol as exc:
            raise DeliveryFailed(f"webhook URL {self.url!r} is not an http(s) URL: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TransientDeliveryError(
                f"timed out after {self.destination.timeout_seconds:g}s ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc or 'connection failed'}") from exc
        status = response.status_code
        if status in THROTTLED:
            raise TransientDeliveryError(
                f"HTTP {status}", retry_after=parse_retry_after(response.headers.get("Retry-After"))
            )
        if status >= 500:
            raise TransientDeliveryError(f"HTTP {status}: {response.text[:200]}")
        if status in CONFIGURATION_ERRORS:
            variables = ", ".join(v for v in (self.destination.url_env, self.destination.token_env) if v)
            raise DeliveryFailed(
                f"HTTP {status} from {self.url}: check the URL and the token ({variables}); "
                f"answer: {response.text[:200]}"
            )
        if 300 <= status < 400:
            raise DeliveryFailed(
                f"HTTP {status} redirect from {self.url} to {response.headers.get('Location')!r}: "
                f"set {self.destination.url_env} to the final URL"
            )
        return response
