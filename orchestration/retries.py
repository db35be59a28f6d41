"""Retrying what is transient, and only that.

A DuckDB file held by another process (a BI tool left open, another run), a dropped network
connection or a timeout is worth another attempt after a pause; bad data, a failed test or a bug is
not (a retry would only repeat the failure, minutes later). Steps wrap their work in
:func:`retry_transient_failures`, which turns the first kind into ``dagster.RetryRequested`` with
exponential backoff (SEGMENTS_RETRY_MAX attempts, SEGMENTS_RETRY_DELAY_SECONDS first pause).

Whole-run retries (a run worker that crashed) are configured on the instance: see dagster.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from orchestration.environment import OrchestrationSettings

#: fragments of error messages that mean "try again later"
_TRANSIENT_MESSAGES = (
    "could not set lock on file",
    "conflicting lock is held",
    "database is locked",
    "resource temporarily unavailable",
    "connection refused",
    "connection reset",
    "timed out",
)


def is_transient(error: BaseException | str) -> bool:
    """True for failures that another attempt may not meet: locks, network, timeouts."""
    if isinstance(error, TimeoutError | ConnectionError):
        return True
    message = str(error).lower()
    return any(fragment in message for fragment in _TRANSIENT_MESSAGES)


def retry_request(context: dg.OpExecutionContext | dg.AssetExecutionContext, reason: str) -> dg.RetryRequested:
    """A RetryRequested with exponential backoff: delay, 2 x delay, 4 x delay, ..."""
    settings = OrchestrationSettings.from_env()
    attempt = context.retry_number
    wait = settings.retry_delay_seconds * (2**attempt)
    context.log.warning(
        f"transient failure (attempt {attempt + 1} of {settings.retry_max + 1}): {reason}; retrying in {wait:.0f} s"
    )
    return dg.RetryRequested(max_retries=settings.retry_max, seconds_to_wait=wait)


@contextmanager
def retry_transient_failures(context: dg.OpExecutionContext | dg.AssetExecutionContext) -> Iterator[None]:
    """Run the block; a transient failure becomes a retry of the step, anything else fails it."""
    try:
        yield
    except (dg.RetryRequested, dg.Failure):
        raise
    except Exception as exc:
        if is_transient(exc):
            raise retry_request(context, f"{type(exc).__name__}: {exc}") from exc
        raise
