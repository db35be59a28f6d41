"""The sync rules of DESIGN §7 through the webhook path: consent, erasure, breaker, dry run, skip, CLI."""

from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import pytest
from exports_support import AS_OF, NEXT_DAY, TinyShop, customer_id, declaration, webhook_declaration, write_declarations

from segment_warehouse.cli import main
from segment_warehouse.exports.breaker import check_breaker
from segment_warehouse.exports.receiver import AudienceReceiver
from segment_warehouse.exports.sync import SyncResult, sync_export

TOKEN = "sync-token"


@pytest.fixture
def shop(tmp_path) -> TinyShop:
    return TinyShop(tmp_path / "wh.duckdb", n=300)


@pytest.fixture
def receiver():
    with AudienceReceiver(token=TOKEN) as running:
        yield running


def env_for(receiver: AudienceReceiver) -> dict[str, str]:
    return {"SEGMENTS_WEBHOOK_URL": receiver.url, "SEGMENTS_WEBHOOK_TOKEN": TOKEN}


def run(shop: TinyShop, as_of: dt.date, env: dict[str, str], entry: dict | None = None, **kwargs) -> SyncResult:
    with duckdb.connect(str(shop.path)) as con:
        return sync_export(declaration(entry or webhook_declaration()), as_of, con=con, environ=env, **kwargs)


# --- consent and erasure -------------------------------------------------------------------------


def test_members_without_consent_on_the_channel_are_never_sent(shop, receiver):
    run(shop, AS_OF, env_for(receiver))
    unconsented = {customer_id(i) for i in range(300) if i % 10 == 5}
    assert unconsented and unconsented.isdisjoint(receiver.audience_ids())
    assert receiver.audience_ids() == shop.consented("winback", "whatsapp")
    assert len(receiver.audience_ids()) == 270


def test_channel_none_sends_everyone_and_email_uses_email_consent(shop, receiver):
    run(shop, AS_OF, env_for(receiver), webhook_declaration("all_none", channel="none"))
    assert receiver.audience_ids() == {customer_id(i) for i in range(300)}
    with AudienceReceiver(token=TOKEN) as email_receiver:
        run(shop, AS_OF, env_for(email_receiver), webhook_declaration("by_email", channel="email"))
        assert email_receiver.audience_ids() == {customer_id(i) for i in range(300) if i % 7 != 3}


def test_withdrawn_consent_left_segment_and_erasure_are_removed(shop, receiver):
    run(shop, AS_OF, env_for(receiver))
    withdrawn, left, erased = customer_id(1), customer_id(2), customer_id(3)
    shop.withdraw_consent("whatsapp", withdrawn)
    shop.leave("winback", left)
    shop.erase(erased)

    result = run(shop, NEXT_DAY, env_for(receiver))

    assert (result.status, result.adds, result.removes) == ("succeeded", 0, 3)
    assert result.removal_reasons == {"consent_withdrawn": 1, "left_segment": 1, "not_a_customer": 1}
    assert {withdrawn, left, erased}.isdisjoint(receiver.audience_ids())
    assert receiver.audience_ids() == shop.consented("winback", "whatsapp")
    # the acknowledged state forgets them, and no send body keeps the erased customer's data
    assert {withdrawn, left, erased}.isdisjoint(shop.state_ids("winback_whatsapp"))
    assert shop.execute("select count(*) from exports.plan_bodies") == [(0,)]


def test_rejected_rows_of_an_erased_customer_are_forgotten(shop, receiver):
    receiver.reject_customer_ids = {customer_id(1)}
    run(shop, AS_OF, env_for(receiver))
    assert shop.execute("select customer_id from exports.rejected_records") == [(customer_id(1),)]
    shop.erase(customer_id(1))
    receiver.reject_customer_ids = set()
    result = run(shop, NEXT_DAY, env_for(receiver))
    assert (result.status, result.adds, result.removes) == ("succeeded", 0, 0)
    assert shop.execute("select count(*) from exports.rejected_records") == [(0,)]


def test_an_erased_customer_is_removed_even_from_an_internal_export(shop, receiver):
    entry = webhook_declaration("internal", channel="none")
    run(shop, AS_OF, env_for(receiver), entry)
    shop.erase(customer_id(10))
    run(shop, NEXT_DAY, env_for(receiver), entry)
    assert customer_id(10) not in receiver.audience_ids()
    assert len(receiver.audience_ids()) == 299


def test_consent_given_again_is_added_again(shop, receiver):
    run(shop, AS_OF, env_for(receiver))
    shop.withdraw_consent("whatsapp", customer_id(1))
    run(shop, NEXT_DAY, env_for(receiver))
    shop.execute("update marts.customers set whatsapp_consent = true where customer_id = ?", [customer_id(1)])
    result = run(shop, NEXT_DAY, env_for(receiver))
    assert (result.adds, result.removes) == (1, 0)
    assert customer_id(1) in receiver.audience_ids()
    # added, removed and added again on the same as-of date: three distinct keys, all applied
    with receiver.lock:
        assert receiver.log.applications[("add", customer_id(1))] == 2
        assert receiver.log.key_conflicts == [] and receiver.log.replays == {}


# --- the breaker ---------------------------------------------------------------------------------


def test_breaker_rules():
    def refused(previous: int, adds: int, removes: int, members: int, force: bool = False) -> bool:
        return check_breaker(
            previous_size=previous, adds=adds, removes=removes, members=members, max_change_ratio=0.5, force=force
        ).refused

    assert not refused(100, 50, 0, 150)  # exactly the ratio: allowed
    assert refused(100, 51, 0, 151)
    assert refused(100, 30, 21, 109)
    assert refused(100, 0, 100, 0)  # empty
    assert not refused(99, 0, 99, 0)  # small audiences are never protected
    assert not refused(99, 500, 0, 599)
    assert not refused(100, 0, 100, 0, force=True)
    assert not refused(0, 10_000, 0, 10_000)  # a first sync sends everything


def test_breaker_refuses_a_large_change_prints_the_plan_and_sends_nothing(shop, receiver):
    run(shop, AS_OF, env_for(receiver))
    requests = receiver.log.requests
    shop.leave("winback", *[customer_id(i) for i in range(200)])  # 180 of 270 members leave
    messages: list[str] = []

    result = run(shop, NEXT_DAY, env_for(receiver), progress=messages.append)

    assert result.status == "refused"
    assert (result.adds, result.removes) == (0, 180)
    assert "REFUSED" in result.plan_text and "removes: 180 (left_segment 180)" in result.plan_text
    assert any("REFUSED" in m for m in messages)
    assert receiver.log.requests == requests, "nothing is sent when the breaker refuses"
    assert len(shop.state_ids("winback_whatsapp")) == 270
    audit = shop.audit("winback_whatsapp")[-1]
    assert (audit["status"], audit["removes"], audit["previous_size"], audit["members"]) == ("refused", 180, 270, 90)
    assert "breaker" in audit["message"]

    forced = run(shop, NEXT_DAY, env_for(receiver), force=True)
    assert (forced.status, forced.removes) == ("succeeded", 180)
    assert receiver.audience_ids() == shop.consented("winback", "whatsapp")
    assert shop.audit("winback_whatsapp")[-1]["forced"] is True


def test_breaker_refuses_an_empty_segment_when_the_audience_was_large(shop, receiver):
    entry = webhook_declaration(max_change_ratio=5.0)  # only the emptiness rule can trip
    run(shop, AS_OF, env_for(receiver), entry)
    shop.empty("winback")
    result = run(shop, NEXT_DAY, env_for(receiver), entry)
    assert result.status == "refused"
    assert "empty" in result.message
    assert len(receiver.audience_ids()) == 270


def test_breaker_lets_a_small_audience_be_emptied(tmp_path, receiver):
    small = TinyShop(tmp_path / "small.duckdb", n=100)  # 90 consented members < 100
    run(small, AS_OF, env_for(receiver))
    small.empty("winback")
    result = run(small, NEXT_DAY, env_for(receiver))
    assert (result.status, result.removes) == ("succeeded", 90)
    assert receiver.audience_ids() == set()


# --- dry run, skip, command line -----------------------------------------------------------------


def _file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dry_run_prints_the_plan_and_changes_nothing(shop, receiver, tmp_path, monkeypatch, capsys):
    write_declarations(tmp_path / "exports.yml", webhook_declaration())
    monkeypatch.setenv("SEGMENTS_EXPORTS_FILE", str(tmp_path / "exports.yml"))
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(shop.path))
    for name, value in env_for(receiver).items():
        monkeypatch.setenv(name, value)
    before = _file_digest(shop.path)

    code = main(["export", "winback_whatsapp", "--as-of", "2026-03-01", "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0
    assert "adds: 270" in out and "removes: 0" in out and "batches: 6 of at most 50 records" in out
    assert '+ {"customer_id":"c000000"' in out and "… 265 more" in out
    assert "dry_run" in out
    assert receiver.log.requests == 0
    assert _file_digest(shop.path) == before, "a dry run does not even create the exports schema"

    # after a real sync, a dry run shows an empty diff
    assert main(["export", "winback_whatsapp", "--as-of", "2026-03-01"]) == 0
    capsys.readouterr()
    assert main(["export", "winback_whatsapp", "--as-of", "2026-03-01", "--dry-run"]) == 0
    assert "adds: 0" in capsys.readouterr().out


def test_cli_export_exit_codes_and_list(shop, receiver, tmp_path, monkeypatch, capsys):
    write_declarations(tmp_path / "exports.yml", webhook_declaration())
    monkeypatch.setenv("SEGMENTS_EXPORTS_FILE", str(tmp_path / "exports.yml"))
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(shop.path))
    monkeypatch.delenv("SEGMENTS_WEBHOOK_URL", raising=False)

    assert main(["export", "--list"]) == 0
    assert "skipped: environment variable SEGMENTS_WEBHOOK_URL is not set" in capsys.readouterr().out
    assert main(["export", "nope"]) == 2
    assert "no export named 'nope'" in capsys.readouterr().err

    for name, value in env_for(receiver).items():
        monkeypatch.setenv(name, value)
    assert main(["export", "winback_whatsapp", "--as-of", "2026-03-01"]) == 0
    assert "succeeded — 270 adds" in capsys.readouterr().out
    shop.empty("winback")
    assert main(["export", "winback_whatsapp", "--as-of", "2026-03-02"]) == 3  # refused
    assert main(["export", "winback_whatsapp", "--as-of", "2026-03-02", "--force"]) == 0
    assert receiver.audience_ids() == set()


def test_an_export_whose_environment_is_not_set_is_skipped_with_the_reason(shop):
    result = run(shop, AS_OF, {})
    assert result.status == "skipped" and result.ok
    assert result.skipped_reason == (
        "environment variable SEGMENTS_WEBHOOK_URL is not set: set it to enable the webhook export"
    )
    [audit] = shop.audit("winback_whatsapp")
    assert (audit["status"], audit["message"]) == ("skipped", result.skipped_reason)


def test_a_missing_mapped_column_fails_clearly(shop, receiver):
    entry = webhook_declaration()
    entry["fields"] = {"phone": "customers.mobile"}
    result = run(shop, AS_OF, env_for(receiver), entry)
    assert result.status == "failed"
    assert "field 'phone' maps to marts.customers.mobile, which does not exist" in result.message
    assert shop.audit("winback_whatsapp")[-1]["status"] == "failed"
