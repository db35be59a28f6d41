"""Webhook exports against a real local HTTP receiver that injects faults (DESIGN §7 webhook protocol)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time

import duckdb
import pytest
from exports_support import AS_OF, NEXT_DAY, TinyShop, customer_id, declaration, webhook_declaration

from segment_warehouse.exports import sync as sync_module
from segment_warehouse.exports.batches import batch_key, plan_batches, split_batch
from segment_warehouse.exports.destinations.webhook import parse_retry_after
from segment_warehouse.exports.payloads import record_of
from segment_warehouse.exports.rate_limit import Pacer, RateLimiter
from segment_warehouse.exports.receiver import AudienceReceiver, Fault
from segment_warehouse.exports.sync import SyncResult, sync_export

TOKEN = "secret-token"


@pytest.fixture
def shop(tmp_path) -> TinyShop:
    return TinyShop(tmp_path / "wh.duckdb", n=300)


@pytest.fixture
def receiver():
    with AudienceReceiver(token=TOKEN) as running:
        yield running


def env_for(receiver: AudienceReceiver, token: str | None = TOKEN) -> dict[str, str]:
    env = {"SEGMENTS_WEBHOOK_URL": receiver.url}
    if token is not None:
        env["SEGMENTS_WEBHOOK_TOKEN"] = token
    return env


def run(shop: TinyShop, entry: dict, as_of: dt.date, env: dict[str, str], **kwargs) -> SyncResult:
    with duckdb.connect(str(shop.path)) as con:
        return sync_export(declaration(entry), as_of, con=con, environ=env, **kwargs)


def assert_receiver_holds_exactly(receiver: AudienceReceiver, expected: set[str]) -> None:
    with receiver.lock:
        log = receiver.log
        assert set(log.audience) == expected
        assert log.key_conflicts == [], "an Idempotency-Key was re-used for another body"
        assert log.applied_twice == [], "a record was applied twice"
        assert all(n == 1 for n in log.applications.values()), "a customer was added or removed twice"


def test_first_sync_sends_every_consented_member_as_adds(shop, receiver):
    result = run(shop, webhook_declaration(), AS_OF, env_for(receiver))

    expected = shop.consented("winback", "whatsapp")
    assert result.status == "succeeded"
    assert result.adds == len(expected) == 270 and result.removes == 0
    assert_receiver_holds_exactly(receiver, expected)
    with receiver.lock:
        assert receiver.log.applied_records == {"add": 270}
        assert receiver.log.authorizations == {f"Bearer {TOKEN}"}
        record = receiver.log.audience[customer_id(1)]
    assert record == {
        "customer_id": customer_id(1),
        "first_name": "First1",
        "last_order_at": "2025-01-01T09:00:00Z",
        "phone": "+32470000001",
    }
    assert shop.state_ids("winback_whatsapp") == expected
    [audit] = shop.audit("winback_whatsapp")
    assert (audit["status"], audit["adds"], audit["removes"], audit["rejected"]) == ("succeeded", 270, 0, 0)
    assert audit["attempts"] == receiver.log.requests == 6  # 270 records in batches of 50


def test_bodies_follow_the_protocol_and_batches_respect_batch_size(shop, receiver):
    seen: list[dict] = []
    original = receiver.handle

    def spy(headers, raw):
        seen.append({"headers": headers, "body": json.loads(raw)})
        return original(headers, raw)

    receiver.handle = spy
    run(shop, webhook_declaration(batch_size=64), AS_OF, env_for(receiver))

    # batches run concurrently: put them back in plan order (by their first customer)
    seen.sort(key=lambda s: s["body"]["records"][0]["customer_id"])
    assert [len(s["body"]["records"]) for s in seen] == [64, 64, 64, 64, 14]
    for request in seen:
        body = request["body"]
        assert list(body) == ["export", "segment", "as_of_date", "operation", "records"]
        assert (body["export"], body["segment"], body["as_of_date"], body["operation"]) == (
            "winback_whatsapp",
            "winback",
            "2026-03-01",
            "add",
        )
        assert request["headers"]["content-type"] == "application/json"
        assert request["headers"]["idempotency-key"].startswith("winback_whatsapp.2026-03-01.p1.add.")
    ids = [r["customer_id"] for s in seen for r in s["body"]["records"]]
    assert ids == sorted(ids), "batches are planned in customer_id order"


def test_no_authorization_header_without_a_token(shop):
    with AudienceReceiver(token=None) as receiver:
        result = run(shop, webhook_declaration(), AS_OF, env_for(receiver, token=None))
        assert result.status == "succeeded"
        assert receiver.log.authorizations == {None}


def test_every_fault_is_retried_and_the_audience_converges(shop, receiver):
    # one batch at a time: each of the 6 batches meets one fault on its first attempt, then goes through
    receiver.inject(
        Fault("429", seconds=0.2),
        "ok",
        Fault("503", seconds=0.2),
        "ok",
        "500",
        "ok",
        Fault("slow", seconds=1.5),  # applied, but answered after the 1 s client timeout
        "ok",
        "drop",  # connection closed without an answer, nothing applied
        "ok",
        "drop_after_apply",  # applied, then the connection closed
        "ok",
    )
    result = run(shop, webhook_declaration(max_in_flight=1), AS_OF, env_for(receiver))

    assert result.status == "succeeded", result.message
    assert_receiver_holds_exactly(receiver, shop.consented("winback", "whatsapp"))
    with receiver.lock:
        statuses = receiver.log.statuses
        assert (statuses[429], statuses[503], statuses[500]) == (1, 1, 1)
        # the slow and the dropped-after-apply batches were re-sent under the same key, and not re-applied
        assert sum(receiver.log.replays.values()) == 2
        assert result.attempts == receiver.log.requests == 12
        keys = [key for _, key, _ in receiver.log.history]
    assert len(set(keys)) == 6 and all(keys[i] == keys[i + 1] for i in range(0, 12, 2))
    assert shop.state_ids("winback_whatsapp") == shop.consented("winback", "whatsapp")


def test_retry_after_is_honoured(shop, receiver):
    receiver.inject(Fault("429", seconds=1), Fault("503", seconds=1))
    run(shop, webhook_declaration(max_in_flight=1), AS_OF, env_for(receiver))

    with receiver.lock:
        history = list(receiver.log.history)
    first, second, third = history[:3]
    assert (first[2], second[2], third[2]) == (429, 503, 200)
    assert first[1] == second[1] == third[1], "a retry re-sends the same Idempotency-Key"
    assert second[0] - first[0] >= 1.0 and third[0] - second[0] >= 1.0


def test_retry_after_parses_seconds_and_http_dates():
    now = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=lambda: now) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=lambda: now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_4xx_is_split_until_the_rejected_rows_are_isolated(shop, receiver):
    bad = {customer_id(7), customer_id(123)}
    receiver.reject_customer_ids = set(bad)
    result = run(shop, webhook_declaration(), AS_OF, env_for(receiver))

    consented = shop.consented("winback", "whatsapp")
    assert result.status == "succeeded"
    assert result.rejected == 2 and result.adds == len(consented) - 2
    assert_receiver_holds_exactly(receiver, consented - bad)
    rows = shop.execute(
        "select customer_id, operation, status_code, response_body from exports.rejected_records order by 1"
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [(customer_id(7), "add", 400), (customer_id(123), "add", 400)]
    assert all("invalid records" in r[3] for r in rows)
    assert shop.state_ids("winback_whatsapp") == consented - bad

    # the receiver fixes its validation: the next sync sends the rejected rows again, and only them
    receiver.reject_customer_ids = set()
    again = run(shop, webhook_declaration(), AS_OF, env_for(receiver))
    assert (again.status, again.adds, again.removes) == ("succeeded", 2, 0)
    assert_receiver_holds_exactly(receiver, consented)


def test_retries_exhausted_fail_the_sync_and_the_next_run_resumes_the_same_batches(shop, receiver):
    entry = webhook_declaration(max_attempts=3, max_in_flight=1)
    # the first batch goes through, then the receiver fails everything for a while
    original = receiver.handle
    calls = {"n": 0}

    def failing_after_first(headers, raw):
        calls["n"] += 1
        if 1 < calls["n"] <= 4:
            with receiver.lock:
                receiver.faults.appendleft(Fault("500"))
        return original(headers, raw)

    receiver.handle = failing_after_first
    failed = run(shop, entry, AS_OF, env_for(receiver))

    assert failed.status == "failed"
    assert "not delivered after 3 attempts" in failed.message
    assert failed.adds == 50 and failed.attempts == 4
    pending = shop.execute(
        "select idempotency_key from exports.plan_batches where status = 'pending' order by batch_no"
    )
    assert len(pending) == 5
    assert shop.audit("winback_whatsapp")[0]["status"] == "failed"

    receiver.handle = original
    resumed = run(shop, entry, NEXT_DAY, env_for(receiver))
    assert resumed.status == "succeeded" and resumed.resumed_batches == 5
    with receiver.lock:
        applied_keys = set(receiver.log.applied_keys)
    assert {k for (k,) in pending} <= applied_keys, "resumed batches keep their Idempotency-Keys"
    assert_receiver_holds_exactly(receiver, shop.consented("winback", "whatsapp"))
    # the resumed batches still say the as-of date they were planned for
    assert all(".2026-03-01." in k for k in applied_keys)


def test_wrong_token_fails_fast_without_splitting(shop, receiver):
    result = run(shop, webhook_declaration(), AS_OF, env_for(receiver, token="wrong"))

    assert result.status == "failed"
    assert "HTTP 401" in result.message and "SEGMENTS_WEBHOOK_TOKEN" in result.message
    assert result.attempts <= 4  # the batches in flight, no split, no retry
    assert result.adds == 0 and shop.state_ids("winback_whatsapp") == set()


def test_refused_connection_is_retried_then_fails(shop):
    # nothing listens on this port
    with AudienceReceiver() as receiver:
        url = receiver.url
    entry = webhook_declaration(max_attempts=2, max_in_flight=1)
    result = run(shop, entry, AS_OF, {"SEGMENTS_WEBHOOK_URL": url})
    assert result.status == "failed"
    assert "ConnectError" in result.message
    assert result.attempts == 2
    assert shop.execute("select count(*) from exports.plan_batches where status = 'pending'") == [(6,)]


def test_a_rerun_after_success_sends_nothing(shop, receiver):
    run(shop, webhook_declaration(), AS_OF, env_for(receiver))
    requests = receiver.log.requests
    again = run(shop, webhook_declaration(), AS_OF, env_for(receiver))
    assert (again.status, again.adds, again.removes, again.attempts) == ("succeeded", 0, 0, 0)
    assert receiver.log.requests == requests


def test_changed_fields_are_sent_again_as_adds(shop, receiver):
    run(shop, webhook_declaration(), AS_OF, env_for(receiver))
    shop.execute("update marts.customers set phone = '+32999' where customer_id = ?", [customer_id(1)])
    result = run(shop, webhook_declaration(), NEXT_DAY, env_for(receiver))
    assert (result.adds, result.changed, result.removes) == (1, 1, 0)
    assert receiver.log.audience[customer_id(1)]["phone"] == "+32999"


def test_idempotency_keys_are_stable_for_the_same_batch_and_differ_otherwise():
    records = [record_of(customer_id(i), json.dumps({"customer_id": customer_id(i)})) for i in range(10)]
    kwargs = dict(export="e", segment="s", as_of_date=AS_OF, plan_id="e:1", removes=[], batch_size=4)
    first = plan_batches(plan_seq=1, adds=records, **kwargs)
    again = plan_batches(plan_seq=1, adds=list(reversed(records)), **kwargs)
    later = plan_batches(plan_seq=2, adds=records, **kwargs)
    assert [b.idempotency_key for b in first] == [b.idempotency_key for b in again]
    assert len({b.idempotency_key for b in first}) == 3
    assert not {b.idempotency_key for b in first} & {b.idempotency_key for b in later}
    assert first[0].idempotency_key == batch_key("e", AS_OF, 1, "add", first[0].body)
    halves = split_batch(first[0])
    assert [len(h.records) for h in halves] == [2, 2]
    assert [h.idempotency_key for h in halves] == [h.idempotency_key for h in split_batch(first[0])]
    assert halves[0].idempotency_key != halves[1].idempotency_key != first[0].idempotency_key


def test_rate_limiter_paces_requests_and_records():
    clock = {"now": 100.0}
    pacer = Pacer(10, clock=lambda: clock["now"])
    assert [pacer.reserve(1) for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    clock["now"] += 10  # idle: the next request goes at once
    assert pacer.reserve(1) == 0.0

    waits: list[float] = []
    limiter = RateLimiter(requests_per_second=None, records_per_second=1000, sleep=waits.append)
    for _ in range(4):
        limiter.acquire(500)
    # 500 records at 1000 records/s: each batch after the first waits about half a second more
    assert len(waits) == 3
    assert waits == pytest.approx([0.5, 1.0, 1.5], abs=0.05)


def test_rate_limit_from_the_declaration_is_applied(shop, receiver, monkeypatch):
    releases: list[tuple[float, int]] = []

    class RecordingLimiter(RateLimiter):
        def acquire(self, records: int) -> float:
            waited = super().acquire(records)
            releases.append((time.monotonic(), records))
            return waited

    monkeypatch.setattr(sync_module, "RateLimiter", RecordingLimiter)
    entry = webhook_declaration(batch_size=100, rate_limit={"records_per_second": 300})
    result = run(shop, entry, AS_OF, env_for(receiver))

    assert result.status == "succeeded"
    assert sorted(n for _, n in releases) == [70, 100, 100]
    ordered = sorted(releases)
    # at 300 records/s, a request may only leave once the previous one's records have "drained"
    for (earlier, records), (later, _) in itertools.pairwise(ordered):
        assert later - earlier >= records / 300 - 0.01
