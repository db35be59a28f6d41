"""Giving freed memory back to the operating system before a long step that runs beside this process."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys


def release_freed_memory() -> bool:
    """Collect garbage, then ask the C allocator to return its free pages to the system (glibc's malloc_trim).

    A long-lived process (the daily job's Dagster process) keeps the heap it grew to, even once the objects
    are gone (the data-quality checks' frames, for instance); the dbt build then runs in a second process
    beside it, and both count in the machine's peak. Returns whether the allocator could be asked (Linux with
    glibc); elsewhere it only collects garbage.
    """
    gc.collect()
    if not sys.platform.startswith("linux"):
        return False
    library = ctypes.util.find_library("c")
    if library is None:
        return False
    try:
        trim = ctypes.CDLL(library).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return False
    trim(0)
    return True
