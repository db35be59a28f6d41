"""Crash safety: `segments export` is SIGKILLed mid-sync, then re-run (DESIGN §7 guarantee).

The receiver applies each request, then waits before answering, so when the kill lands at least one
batch has been applied without the sender learning it. The re-run must re-send it under the same
Idempotency-Key (the receiver answers without re-applying) and finish the plan: in the end the
receiver's audience equals the consented membership, nothing lost, nothing applied twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from exports_support import TinyShop, customer_id, webhook_declaration, write_declarations

from segment_warehouse.exports.receiver import AudienceReceiver

TOKEN = "kill-test-token"


def start_export(tmp_path: Path, shop: TinyShop, receiver: AudienceReceiver, as_of: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SEGMENTS_DUCKDB_PATH": str(shop.path),
        "SEGMENTS_EXPORTS_FILE": str(tmp_path / "exports.yml"),
        "SEGMENTS_WEBHOOK_URL": receiver.url,
        "SEGMENTS_WEBHOOK_TOKEN": TOKEN,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "segment_warehouse.cli", "export", "winback_whatsapp", "--as-of", as_of],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_applied_keys(receiver: AudienceReceiver, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with receiver.lock:
            if len(receiver.log.applied_keys) >= count:
                return
        if process.poll() is not None:
            pytest.fail(f"the export ended before it could be killed:\n{process.stdout.read()}")
        time.sleep(0.01)
    pytest.fail("the receiver never saw enough batches")


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    process.stdout.close()


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def assert_exactly_once(receiver: AudienceReceiver, expected: set[str]) -> None:
    with receiver.lock:
        log = receiver.log
        assert set(log.audience) == expected, "the receiver's audience differs from the consented membership"
        assert log.key_conflicts == [], "an Idempotency-Key was re-used for another body"
        assert log.applied_twice == []
        twice = {k: n for k, n in log.applications.items() if n > 1}
        assert twice == {}, f"applied more than once: {twice}"


@pytest.fixture
def shop(tmp_path) -> TinyShop:
    shop = TinyShop(tmp_path / "wh.duckdb", n=1200)
    write_declarations(tmp_path / "exports.yml", webhook_declaration(batch_size=40, max_in_flight=3, timeout=5))
    return shop


@pytest.mark.parametrize("kill_after_batches", [1, 12])
def test_sigkill_mid_sync_then_rerun_converges_exactly_once(tmp_path, shop, kill_after_batches):
    expected = shop.consented("winback", "whatsapp")  # 1080 members: 27 batches
    with AudienceReceiver(token=TOKEN, answer_delay=0.25) as receiver:
        process = start_export(tmp_path, shop, receiver, "2026-03-01")
        wait_for_applied_keys(receiver, kill_after_batches, process)
        kill(process)  # at least one applied batch is still waiting for its answer

        with receiver.lock:
            applied_before_rerun = set(receiver.log.applied_keys)
        assert 0 < len(applied_before_rerun) < 27
        receiver.answer_delay = 0
        output = finish(start_export(tmp_path, shop, receiver, "2026-03-01"))

        assert "resuming" in output
        assert_exactly_once(receiver, expected)
        with receiver.lock:
            replayed = set(receiver.log.replays)
        # the batch applied but unanswered at the kill was re-sent with its key, and not re-applied
        assert replayed and replayed <= applied_before_rerun

    assert shop.state_ids("winback_whatsapp") == expected
    statuses = [row["status"] for row in shop.audit("winback_whatsapp")]
    assert statuses == ["interrupted", "succeeded"]
    # the journal is closed and keeps no personal data once the plan completed
    assert shop.execute("select count(*) from exports.sync_plans where status = 'open'") == [(0,)]
    assert shop.execute("select count(*) from exports.plan_bodies") == [(0,)]


def test_killed_twice_then_data_changes_and_next_day_run_converges(tmp_path, shop):
    with AudienceReceiver(token=TOKEN, answer_delay=0.25) as receiver:
        first = start_export(tmp_path, shop, receiver, "2026-03-01")
        wait_for_applied_keys(receiver, 3, first)
        kill(first)
        second = start_export(tmp_path, shop, receiver, "2026-03-01")
        wait_for_applied_keys(receiver, 10, second)
        kill(second)

        # overnight: one member is erased, one withdraws WhatsApp consent, one leaves the segment —
        # all three were in the plan interrupted on day one, maybe already applied by the receiver
        erased, unconsented, left = customer_id(1), customer_id(1100), customer_id(1150)
        shop.erase(erased)
        shop.withdraw_consent("whatsapp", unconsented)
        shop.leave("winback", left)

        receiver.answer_delay = 0
        output = finish(start_export(tmp_path, shop, receiver, "2026-03-02"))
        assert "resuming" in output

        expected = shop.consented("winback", "whatsapp")
        assert {erased, unconsented, left}.isdisjoint(expected)
        with receiver.lock:
            audience = set(receiver.log.audience)
            key_conflicts = list(receiver.log.key_conflicts)
        assert audience == expected
        assert key_conflicts == []
        # day one's plan was finished under day one's keys; day two only removed the three
        removes = [key for key in receiver.log.applied_keys if ".remove." in key]
        assert removes and all(".2026-03-02." in key for key in removes)

    assert shop.state_ids("winback_whatsapp") == expected
    assert [row["status"] for row in shop.audit("winback_whatsapp")] == ["interrupted", "interrupted", "succeeded"]
