"""The raw landing contract (DESIGN §5), as data.

Every loader, the generator, the staging sources and the Great Expectations suites read the
entity specifications from here, so that the contract is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal[
    "text",  # ids and free text
    "enum",  # trimmed, lower-cased, checked against `domain`
    "currency",  # trimmed, upper-cased, must exist in the fx_rates seed
    "country",  # trimmed, upper-cased, two letters
    "timestamp",  # ISO-8601, offset converted to UTC, no offset means UTC
    "date",
    "boolean",  # true/false, t/f, yes/no, 1/0 in any case
    "amount",  # decimal(18,2) >= 0
    "quantity",  # whole number >= 1
    "latitude",  # double in [-90, 90]
    "longitude",  # double in [-180, 180]
    "json_object",  # JSON text that must be an object
]

#: DuckDB type each contract type lands as in `raw.<entity>`.
DUCKDB_TYPES: dict[str, str] = {
    "text": "varchar",
    "enum": "varchar",
    "currency": "varchar",
    "country": "varchar",
    "timestamp": "timestamp",
    "date": "date",
    "boolean": "boolean",
    "amount": "decimal(18,2)",
    "quantity": "integer",
    "latitude": "double",
    "longitude": "double",
    "json_object": "json",
}

CHANNELS = ("whatsapp", "email", "sms")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    domain: tuple[str, ...] = ()

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    #: columns that identify one row version (documentation and staging de-duplication)
    key: tuple[str, ...]
    #: rows sharing these values are collapsed by staging (versions of one record, re-landed or duplicated rows):
    #: the ingest records in raw.repeated_keys the first column's value of every such group, so that staging
    #: ranks only those rows and passes every other row straight through (empty: small entity, staging ranks all)
    repeat_key: tuple[str, ...] = ()
    #: column the freshness of the entity is judged by
    loaded_at_field: str | None = None
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"entity {self.name!r} has no column {name!r}")


def _c(name: str, type_: ColumnType = "text", required: bool = False, domain: tuple[str, ...] = ()) -> Column:
    return Column(name, type_, required, domain)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "customers",
            (
                _c("customer_id", required=True),
                _c("email"),
                _c("phone"),
                _c("first_name"),
                _c("last_name"),
                _c("gender", "enum", domain=("female", "male", "other")),
                _c("birth_date", "date"),
                _c("city"),
                _c("postal_code"),
                _c("country_code", "country"),
                _c("latitude", "latitude"),
                _c("longitude", "longitude"),
                _c("email_opt_in", "boolean"),
                _c("sms_opt_in", "boolean"),
                _c("whatsapp_opt_in", "boolean"),
                _c("tags"),
                _c("custom_attributes", "json_object"),
                _c("created_at", "timestamp", required=True),
                _c("updated_at", "timestamp", required=True),
                _c("deleted_at", "timestamp"),
            ),
            key=("customer_id", "updated_at"),
            repeat_key=("customer_id",),
            loaded_at_field="updated_at",
        ),
        Entity(
            "orders",
            (
                _c("order_id", required=True),
                _c("customer_id", required=True),
                _c("created_at", "timestamp", required=True),
                _c("updated_at", "timestamp", required=True),
                _c("currency", "currency", required=True),
                _c("total_price", "amount", required=True),
                _c("total_tax", "amount"),
                _c("total_discounts", "amount"),
                _c("total_refunded", "amount"),
                _c("discount_codes"),
                _c(
                    "financial_status",
                    "enum",
                    required=True,
                    domain=("pending", "paid", "partially_refunded", "refunded", "voided"),
                ),
                _c("cancelled_at", "timestamp"),
                _c("source_name"),
            ),
            key=("order_id", "updated_at"),
            repeat_key=("order_id",),
            loaded_at_field="updated_at",
        ),
        Entity(
            "order_lines",
            (
                _c("order_id", required=True),
                _c("line_id", required=True),
                _c("product_id", required=True),
                _c("quantity", "quantity", required=True),
                _c("unit_price", "amount", required=True),
            ),
            key=("order_id", "line_id"),
            repeat_key=("order_id", "line_id"),
        ),
        Entity(
            "products",
            (
                _c("product_id", required=True),
                _c("title"),
                _c("product_type", required=True),
                _c("collection"),
                _c("price", "amount"),
            ),
            key=("product_id",),
        ),
        Entity(
            "messages",
            (
                _c("message_id", required=True),
                _c("customer_id"),
                _c("channel", "enum", required=True, domain=CHANNELS),
                _c("direction", "enum", required=True, domain=("inbound", "outbound")),
                _c("campaign_id"),
                _c("sent_at", "timestamp", required=True),
            ),
            key=("message_id",),
            repeat_key=("message_id",),
            loaded_at_field="sent_at",
        ),
        Entity(
            "message_events",
            (
                _c("message_id", required=True),
                _c(
                    "event_type",
                    "enum",
                    required=True,
                    domain=("delivered", "read", "opened", "clicked", "bounced", "failed", "unsubscribed", "handled"),
                ),
                _c("occurred_at", "timestamp", required=True),
            ),
            key=("message_id", "event_type", "occurred_at"),
            repeat_key=("message_id", "event_type", "occurred_at"),
            loaded_at_field="occurred_at",
        ),
        Entity(
            "list_memberships",
            (
                _c("list_id", required=True),
                _c("list_name", required=True),
                _c("customer_id", required=True),
                _c("subscribed_at", "timestamp", required=True),
                _c("unsubscribed_at", "timestamp"),
            ),
            key=("list_id", "customer_id", "subscribed_at"),
            loaded_at_field="subscribed_at",
        ),
        Entity(
            "web_events",
            (
                _c("event_id", required=True),
                _c("occurred_at", "timestamp", required=True),
                _c("anonymous_id", required=True),
                _c("customer_id"),
                _c("session_id"),
                _c(
                    "event_type",
                    "enum",
                    required=True,
                    domain=("page_view", "product_view", "add_to_cart", "begin_checkout"),
                ),
                _c("product_id"),
                _c("page_path"),
            ),
            key=("event_id",),
            repeat_key=("event_id",),
            loaded_at_field="occurred_at",
        ),
        Entity(
            "campaigns",
            (
                _c("campaign_id", required=True),
                _c("name"),
                _c("channel", "enum", required=True, domain=CHANNELS),
                _c(
                    "kind",
                    "enum",
                    required=True,
                    domain=("newsletter", "promotion", "cart_reminder", "winback", "other"),
                ),
                _c("launched_at", "timestamp"),
            ),
            key=("campaign_id",),
        ),
    )
}

#: the order entities are loaded in (no dependency between them; stable for logs and tests)
ENTITY_NAMES: tuple[str, ...] = tuple(ENTITIES)

#: metadata columns every `raw.<entity>` table carries after the contract columns
RAW_METADATA_COLUMNS: dict[str, str] = {
    "_source_file": "varchar",  # path of the landing file, relative to the landing directory
    "_source_row": "bigint",  # 1-based data row number in that file (header excluded)
    "_loaded_at": "timestamp",  # UTC wall-clock time of the load (audit only, never used by models)
}

#: the currencies the fx_rates seed converts (DESIGN §5); kept in sync with seeds/fx_rates.csv by a test
FX_RATES_TO_EUR: dict[str, str] = {"EUR": "1.0", "USD": "0.92", "GBP": "1.17", "CHF": "1.05"}


def raw_table_ddl(entity: Entity, schema: str = "raw") -> str:
    """`create table if not exists` statement of `raw.<entity>`: contract columns, then metadata columns."""
    columns = [f"{c.name} {c.duckdb_type}" for c in entity.columns]
    columns += [f"{name} {type_}" for name, type_ in RAW_METADATA_COLUMNS.items()]
    return f"create table if not exists {schema}.{entity.name} ({', '.join(columns)})"


QUARANTINE_DDL = (
    "create table if not exists raw.quarantine (entity varchar, source_file varchar, source_row bigint, "
    "reason varchar, record varchar, quarantined_at timestamp)"
)
LOAD_AUDIT_DDL = (
    "create table if not exists raw.load_audit (entity varchar, source_file varchar, file_sha256 varchar, "
    "rows_read bigint, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp)"
)


#: keys of an entity (first column of its `repeat_key`) that have more than one row in raw: written by the ingest
#: (segment_warehouse/ingest/repeated_keys.py), read by staging (macros/last_loaded_rows.sql)
REPEATED_KEYS_DDL = (
    "create table if not exists raw.repeated_keys (entity varchar, key_value varchar, recorded_at timestamp)"
)
#: load_audit.repeated_keys_checked: the file's rows have been compared with the rest of raw.<entity>
LOAD_AUDIT_CHECKED_DDL = "alter table raw.load_audit add column if not exists repeated_keys_checked boolean"


def create_raw_tables(con: object) -> None:
    """Create the raw schema and every raw table (empty) if missing. `con` is a DuckDB connection."""
    con.execute("create schema if not exists raw")  # type: ignore[attr-defined]
    for entity in ENTITIES.values():
        con.execute(raw_table_ddl(entity))  # type: ignore[attr-defined]
    con.execute(QUARANTINE_DDL)  # type: ignore[attr-defined]
    con.execute(LOAD_AUDIT_DDL)  # type: ignore[attr-defined]
    con.execute(LOAD_AUDIT_CHECKED_DDL)  # type: ignore[attr-defined]
    con.execute(REPEATED_KEYS_DDL)  # type: ignore[attr-defined]
