"""Export declarations: the shipped orchestration/exports.yml and clear errors for bad ones."""

from __future__ import annotations

import pytest
from exports_support import webhook_declaration, write_declarations

from segment_warehouse.exports.declarations import (
    DEFAULT_DECLARATIONS_PATH,
    DeclarationError,
    FileDestination,
    PostgresDestination,
    WebhookDestination,
    load_declarations,
)
from segment_warehouse.exports.membership import membership_query


def test_the_shipped_declarations():
    declarations = {d.name: d for d in load_declarations(DEFAULT_DECLARATIONS_PATH)}
    assert set(declarations) == {"winback_whatsapp", "vip_csv", "newsletter_postgres"}

    winback = declarations["winback_whatsapp"]
    assert (winback.segment, winback.channel, winback.batch_size, winback.max_change_ratio) == (
        "winback",
        "whatsapp",
        500,
        0.5,
    )
    assert isinstance(winback.destination, WebhookDestination)
    assert (winback.destination.url_env, winback.destination.token_env) == (
        "SEGMENTS_WEBHOOK_URL",
        "SEGMENTS_WEBHOOK_TOKEN",
    )

    vip = declarations["vip_csv"]
    assert (vip.segment, vip.channel) == ("vip", "none")
    assert isinstance(vip.destination, FileDestination) and vip.destination.format == "csv"

    newsletter = declarations["newsletter_postgres"]
    assert (newsletter.segment, newsletter.channel) == ("newsletter_subscribers", "email")
    assert isinstance(newsletter.destination, PostgresDestination)
    assert newsletter.destination.dsn_env == "SEGMENTS_PG_DSN"


def test_skip_reasons_name_the_missing_variable():
    declarations = {d.name: d for d in load_declarations(DEFAULT_DECLARATIONS_PATH)}
    assert declarations["vip_csv"].skip_reason({}) is None
    assert "SEGMENTS_WEBHOOK_URL" in declarations["winback_whatsapp"].skip_reason({})
    # the token is optional: without it no Authorization header is sent
    assert declarations["winback_whatsapp"].skip_reason({"SEGMENTS_WEBHOOK_URL": "http://x"}) is None
    assert "SEGMENTS_PG_DSN" in declarations["newsletter_postgres"].skip_reason({"SEGMENTS_PG_DSN": ""})


def test_membership_query_joins_customers_filters_consent_and_renames_fields():
    [winback] = [d for d in load_declarations(DEFAULT_DECLARATIONS_PATH) if d.name == "winback_whatsapp"]
    sql = membership_query(winback)
    assert "from segments.seg_winback as seg" in sql
    assert "inner join marts.customers as cust on cust.customer_id = seg.customer_id" in sql
    assert 'cust."whatsapp_consent"' in sql
    assert 'cust."phone" as "phone"' in sql and 'seg."last_order_at" as "last_order_at"' in sql


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"channel": "pigeon"}, "export 'winback_whatsapp': `channel` must be one of whatsapp, email, sms, none"),
        ({"segment": "Win Back"}, "`segment` must be a segment name"),
        ({"batch_size": 0}, "`batch_size` must be a positive integer, got 0"),
        ({"max_change_ratio": "lots"}, "`max_change_ratio` must be a positive number"),
        ({"colour": "red"}, "unknown key(s) colour"),
        (
            {"fields": {"phone": "orders.phone"}},
            "field 'phone' must come from `customers.<column>` or `segment.<column>`",
        ),
        ({"fields": {"customer_id": "customers.customer_id"}}, "field `customer_id` is always sent"),
        ({"rate_limit": {"per_minute": 3}}, "rate_limit: unknown key(s) per_minute"),
    ],
)
def test_invalid_declarations_name_the_export_and_the_field(tmp_path, change, message):
    entry = {**webhook_declaration(), **change}
    path = write_declarations(tmp_path / "exports.yml", entry)
    with pytest.raises(DeclarationError) as error:
        load_declarations(path)
    assert message in str(error.value)


def test_secrets_must_be_environment_variable_names(tmp_path):
    entry = webhook_declaration()
    entry["destination"]["url_env"] = "https://hooks.example.com/audience?token=abc"
    path = write_declarations(tmp_path / "exports.yml", entry)
    with pytest.raises(DeclarationError, match=r"must name an environment variable .* never write the secret"):
        load_declarations(path)


def test_duplicate_names_and_unknown_destination(tmp_path):
    path = write_declarations(tmp_path / "exports.yml", webhook_declaration(), webhook_declaration())
    with pytest.raises(DeclarationError, match="'winback_whatsapp' is declared twice"):
        load_declarations(path)
    entry = webhook_declaration()
    entry["destination"] = {"type": "ftp"}
    with pytest.raises(DeclarationError, match="`type` must be one of file, postgres, webhook"):
        load_declarations(write_declarations(tmp_path / "exports.yml", entry))


def test_the_declarations_file_can_be_chosen_by_environment(tmp_path, monkeypatch):
    path = write_declarations(tmp_path / "mine.yml", webhook_declaration("only_one"))
    monkeypatch.setenv("SEGMENTS_EXPORTS_FILE", str(path))
    assert [d.name for d in load_declarations()] == ["only_one"]
    monkeypatch.setenv("SEGMENTS_EXPORTS_FILE", str(tmp_path / "missing.yml"))
    with pytest.raises(DeclarationError, match="not found"):
        load_declarations()
