"""Wall time and peak memory of a child process (and everything it starts), measured from outside.

Peak memory is the larger of two readings: the sum of the resident set sizes of the child's whole process
tree, sampled every `sample_seconds`, and the kernel's exact high-water mark of the largest single process
(`ru_maxrss`). Linux only (reads /proc).

The command is started by a small launcher process (:data:`LAUNCHER`), which reports the command's
`ru_maxrss`. Started directly, the command's reading would include the benchmark's own memory: Linux carries
the high-water mark of the memory a child was forked from into its `ru_maxrss` across exec, and the benchmark
process itself may hold gigabytes (it reads the warehouses it measures).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

#: python -I -S -c LAUNCHER RUSAGE_FILE COMMAND...: runs COMMAND, writes its ru_maxrss (KiB) to RUSAGE_FILE,
#: and ends as COMMAND ended (same exit code, or killed by the same signal)
LAUNCHER = """
import os, signal, sys
rusage_file, command = sys.argv[1], sys.argv[2:]
pid = os.posix_spawnp(command[0], command, os.environ)
_, status, usage = os.wait4(pid, 0)
with open(rusage_file, "w") as handle:
    handle.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:
    if -code not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""
GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class Measurement:
    label: str
    command: tuple[str, ...]
    wall_seconds: float
    peak_rss_bytes: int
    returncode: int
    log_path: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        return "\n".join(text.splitlines()[-lines:])


def _parent_pids() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name (field 2) may contain spaces and parentheses: parse after its closing ')'
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def process_tree_rss(root_pid: int) -> int:
    """Resident memory of `root_pid` and all its descendants, in bytes (0 once the process is gone)."""
    parents = _parent_pids()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += _rss_bytes(pid)
        stack.extend(children.get(pid, ()))
    return total


def _reported_maxrss(rusage_file: Path) -> int:
    """The command's ru_maxrss in bytes as the launcher wrote it (KiB on Linux); 0 if it could not."""
    try:
        return int(rusage_file.read_text(encoding="ascii").strip()) * 1024
    except (OSError, ValueError):
        return 0


def measure_command(
    label: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    sample_seconds: float = 0.2,
    heartbeat: Callable[[float, int], None] | None = None,
    heartbeat_seconds: float = 30.0,
) -> Measurement:
    """Run `command` with its output in `log_path`; return its wall time, peak memory and exit code.

    `heartbeat(elapsed_seconds, current_rss_bytes)` is called every `heartbeat_seconds` while it runs.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rusage_file = log_path.with_name(log_path.name + ".maxrss")
    rusage_file.unlink(missing_ok=True)
    launched = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(rusage_file), *command]
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(launched, stdout=log, stderr=subprocess.STDOUT, env=dict(env), cwd=cwd)
        peak_tree = 0
        next_heartbeat = started + heartbeat_seconds
        while True:
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid != 0:
                break
            current = process_tree_rss(process.pid)
            peak_tree = max(peak_tree, current)
            now = time.perf_counter()
            if heartbeat is not None and now >= next_heartbeat:
                heartbeat(now - started, current)
                next_heartbeat = now + heartbeat_seconds
            time.sleep(sample_seconds)
        wall = time.perf_counter() - started
    returncode = os.waitstatus_to_exitcode(status)
    process.returncode = returncode  # reaped by wait4: keep Popen from waiting again
    peak = max(peak_tree, _reported_maxrss(rusage_file))
    rusage_file.unlink(missing_ok=True)
    return Measurement(label, tuple(command), wall, peak, returncode, log_path)
