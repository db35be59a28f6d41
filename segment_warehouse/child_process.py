"""Calling a function in a fresh child process, so that the memory it takes goes back to the system.

The daily job runs in one long-lived Dagster process, and the dbt build runs in a second process beside it:
whatever the job's own process holds adds to the run's peak. Work that needs much memory or heavy libraries
for a while — the ingest (DuckDB's allocator keeps much of what a big load used), the Great Expectations
checks (importing GX alone takes over 200 MiB) — is called through :func:`call_in_subprocess`: a new
interpreter (``spawn``: nothing of the caller's memory is copied) runs it and exits, and only its result
comes back (pickled). Progress lines are relayed as they come; an exception in the child is raised again in
the caller as :class:`SubprocessFailed` with the child's message.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Sequence
from multiprocessing.queues import Queue
from typing import Any

#: how long the caller waits for the next message before checking that the child is still alive
_POLL_SECONDS = 1.0


class SubprocessFailed(RuntimeError):
    """The function raised in the child (its message is in this one), or the child died without a word."""


def _run(messages: Queue[tuple[str, Any]], function: Callable[..., Any], args: tuple[Any, ...], relay: bool) -> None:
    """Runs in the child: send ("progress", line)*, then ("done", result) or ("error", message)."""
    try:
        kwargs = {"progress": lambda line: messages.put(("progress", line))} if relay else {}
        messages.put(("done", function(*args, **kwargs)))
    except BaseException as exc:  # everything goes back to the caller, which raises it again
        messages.put(("error", f"{type(exc).__name__}: {exc}"))


def call_in_subprocess(
    function: Callable[..., Any],
    args: Sequence[Any],
    *,
    name: str,
    progress: Callable[[str], None] | None = None,
    relay_progress: bool = False,
    died_hint: str = "",
) -> Any:
    """``function(*args)`` run in a child process named ``name``; returns its result.

    ``function`` must be importable by its module and name (a module-level function), its arguments and result
    picklable. With ``relay_progress`` it is called with a ``progress=`` callable whose lines reach
    ``progress`` here as they come. Raises :class:`SubprocessFailed` with the child's message when the function
    raised, or with the child's exit code (and ``died_hint``) when it died without reporting (killed, e.g. by
    the kernel when out of memory).
    """
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing of the caller's memory
    messages: Queue[tuple[str, Any]] = context.Queue()
    process = context.Process(
        target=_run, args=(messages, function, tuple(args), relay_progress), name=name, daemon=True
    )
    process.start()
    try:
        while True:
            try:
                kind, payload = messages.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not process.is_alive():
                    raise SubprocessFailed(
                        f"the {name} process (pid {process.pid}) ended with exit code {process.exitcode} before "
                        "reporting (a negative code is the signal that killed it: -9 is often the out-of-memory "
                        f"killer){'; ' + died_hint if died_hint else ''}"
                    ) from None
                continue
            if kind == "progress":
                if progress is not None:
                    progress(str(payload))
            elif kind == "done":
                return payload
            else:
                raise SubprocessFailed(str(payload))
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()
        messages.close()
