"""The Great Expectations suites, in code (versioned with the project, reviewed like the models).

- ``landing_schema_suite(entity)`` and ``landing_contract_suite(entity)``: the landing contract of DESIGN §5
  on ``raw.<entity>``: schema (columns in contract order) and types, checked on the table's catalog; then
  on the rows: required values, domains, ranges (amounts >= 0, quantity >= 1, coordinates), timestamps
  within a sane range. The ingest quarantines what breaks the contract,
  so a failure here means data the ingest let through but nothing downstream should trust: BLOCKING.
- ``landing_formats_suite(entity)``: formats that are data-quality signals, not contract rules
  (DESIGN §5: "e-mail and phone formats are data-quality checks, not quarantine rules"): e-mails and
  phone numbers well-formed, ISO 3166 country codes. Not blocking (severity WARN).
- ``customers_suite()``: marts.customers domains and invariants (DESIGN §6): BLOCKING.
- ``segment_sizes_suite(ratio)``: each segment's size against its previous size; see checks/outputs.py.

Each builder returns a :class:`Suite`: its name, the columns it reads, and the expectations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import great_expectations.expectations as gxe

from orchestration.checks.iso_codes import CONVERTIBLE_CURRENCIES, ISO_3166_ALPHA_2
from orchestration.checks.outcomes import formats_columns
from segment_warehouse.contract import ENTITIES, RAW_METADATA_COLUMNS, Column

#: a timestamp outside this range is absurd (an epoch-zero or year-9999 default leaking from a source)
EARLIEST_SANE_TIMESTAMP = dt.datetime(2000, 1, 1)
LATEST_SANE_TIMESTAMP = dt.datetime(2100, 1, 1)
EARLIEST_BIRTH_DATE = dt.datetime(1900, 1, 1)

#: one '@', no blank, a dot in the domain, a top-level domain of letters
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
#: an optional '+', then 6 to 20 digits, optionally separated by spaces, dots, dashes or parentheses
PHONE_PATTERN = r"^\+?[0-9][0-9 .()\-]{4,22}[0-9]$"

LIFECYCLE_STAGES = ("prospect", "new", "lost", "at_risk", "loyal", "active")
ENGAGEMENT_TIERS = ("super_active", "moderate", "dormant", "none")
GENDERS = ("female", "male", "other")


@dataclass(frozen=True)
class Suite:
    """A named list of expectations and the columns of the table they read.

    ``epoch_columns``: timestamp and date columns the frame carries as seconds since 1970-01-01 UTC (GX compares
    numbers about twenty times faster than pandas datetimes); their bounds are in seconds too, and the examples
    of unexpected values are turned back into ISO dates in the results.
    """

    name: str
    columns: tuple[str, ...]
    expectations: tuple[gxe.Expectation, ...]
    epoch_columns: tuple[str, ...] = ()


def epoch_seconds(moment: dt.datetime) -> float:
    """A naive UTC datetime as seconds since 1970-01-01 UTC."""
    return moment.replace(tzinfo=dt.UTC).timestamp()


def _column_expectations(column: Column) -> list[gxe.Expectation]:
    name = column.name
    found: list[gxe.Expectation] = []
    if column.required:
        found.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
    if column.type == "enum":
        found.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(column.domain)))
    elif column.type == "currency":
        found.append(gxe.ExpectColumnValuesToBeInSet(column=name, value_set=sorted(CONVERTIBLE_CURRENCIES)))
    elif column.type == "country":
        found.append(gxe.ExpectColumnValuesToMatchRegex(column=name, regex=r"^[A-Z]{2}$"))
    elif column.type == "amount":
        found.append(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0))
    elif column.type == "quantity":
        found.append(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=1))
    elif column.type == "latitude":
        found.append(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=-90, max_value=90))
    elif column.type == "longitude":
        found.append(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=-180, max_value=180))
    elif column.type in {"timestamp", "date"}:  # the frame carries them as epoch seconds (Suite.epoch_columns)
        earliest = EARLIEST_SANE_TIMESTAMP if column.type == "timestamp" else EARLIEST_BIRTH_DATE
        found.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=name,
                min_value=epoch_seconds(earliest),
                max_value=epoch_seconds(LATEST_SANE_TIMESTAMP),
                strict_max=True,
            )
        )
    return found


def expected_raw_columns(entity: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of ``raw.<entity>`` in order: the contract's columns, then the load metadata."""
    spec = ENTITIES[entity]
    columns = [(c.name, c.duckdb_type) for c in spec.columns] + list(RAW_METADATA_COLUMNS.items())
    return [(name, type_.upper()) for name, type_ in columns]


#: columns of the schema frame: one row per position, the actual column beside the expected one
SCHEMA_FRAME_COLUMNS = ("position", "column_name", "expected_column", "data_type", "expected_type")


def landing_schema_suite(entity: str) -> Suite:
    """raw.<entity> has exactly the contract's columns, in order, with their types (DESIGN §5, INTERFACES).

    Validated on a frame of the table's catalog (one row per column position, see gx_validation.schema_frame):
    exact DuckDB types (``DECIMAL(18,2)``, ``TIMESTAMP``, ...), which pandas dtypes of the rows could not tell.
    """
    return Suite(
        f"landing_schema.{entity}",
        SCHEMA_FRAME_COLUMNS,
        (
            gxe.ExpectColumnPairValuesToBeEqual(column_A="column_name", column_B="expected_column"),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="data_type", column_B="expected_type"),
        ),
    )


def landing_contract_suite(entity: str) -> Suite:
    """The rows of raw.<entity> honour the landing contract: required values, domains, ranges, sane timestamps."""
    spec = ENTITIES[entity]
    expectations: list[gxe.Expectation] = []
    for column in spec.columns:
        expectations.extend(_column_expectations(column))
    epoch_columns = tuple(c.name for c in spec.columns if c.type in {"timestamp", "date"})
    return Suite(f"landing_contract.{entity}", tuple(spec.column_names), tuple(expectations), epoch_columns)


def landing_formats_suite(entity: str) -> Suite | None:
    """Well-formed e-mails, phone numbers and ISO country codes, for the entities that carry them."""
    names = set(formats_columns(entity))
    expectations: list[gxe.Expectation] = []
    if "email" in names:
        expectations.append(gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PATTERN))
    if "phone" in names:
        expectations.append(gxe.ExpectColumnValuesToMatchRegex(column="phone", regex=PHONE_PATTERN))
    if "country_code" in names:
        expectations.append(gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=sorted(ISO_3166_ALPHA_2)))
    if not expectations:
        return None
    columns = tuple(sorted({e.column for e in expectations}))  # type: ignore[attr-defined]
    return Suite(f"landing_formats.{entity}", columns, tuple(expectations))


#: the marts.customers columns of DESIGN §6 (the contract BI and segments rely on)
CUSTOMER_METRICS = (
    "customer_id",
    "orders_count",
    "first_order_at",
    "last_order_at",
    "total_spent_eur",
    "aov_eur",
    "last_order_amount_ht_eur",
    "orders_90d",
    "orders_365d",
    "orders_6m",
    "avg_days_between_orders",
    "whatsapp_inbound_count",
    "has_unhandled_inbound",
    "whatsapp_reads_90d",
    "email_delivered_90d",
    "email_delivered_180d",
    "email_opened_90d",
    "email_opened_180d",
    "engaged_90d",
    "last_visit_at",
    "last_cart_at",
    "last_activity_at",
    "email_consent",
    "sms_consent",
    "whatsapp_consent",
    "age",
    "gender",
    "city",
    "country_code",
    "is_urban",
    "distance_km",
    "lifecycle_stage",
    "engagement_tier",
)
_NEVER_NULL_BOOLEANS = (
    "has_unhandled_inbound",
    "engaged_90d",
    "email_consent",
    "sms_consent",
    "whatsapp_consent",
    "is_urban",
)
_COUNTS = (
    "orders_count",
    "orders_90d",
    "orders_365d",
    "orders_6m",
    "whatsapp_inbound_count",
    "whatsapp_reads_90d",
    "email_delivered_90d",
    "email_delivered_180d",
    "email_opened_90d",
    "email_opened_180d",
)


def customers_suite() -> Suite:
    """marts.customers: one row per customer id, every §6 metric present, domains and ranges hold."""
    expectations: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(CUSTOMER_METRICS), exact_match=False),
        gxe.ExpectColumnValuesToNotBeNull(column="customer_id"),
        gxe.ExpectColumnValuesToBeUnique(column="customer_id"),
        gxe.ExpectColumnValuesToBeInSet(column="lifecycle_stage", value_set=list(LIFECYCLE_STAGES)),
        gxe.ExpectColumnValuesToNotBeNull(column="lifecycle_stage"),
        gxe.ExpectColumnValuesToBeInSet(column="engagement_tier", value_set=list(ENGAGEMENT_TIERS)),
        gxe.ExpectColumnValuesToNotBeNull(column="engagement_tier"),
        gxe.ExpectColumnValuesToBeInSet(column="gender", value_set=list(GENDERS)),
        gxe.ExpectColumnValuesToBeBetween(column="total_spent_eur", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="total_spent_eur"),
        gxe.ExpectColumnValuesToBeBetween(column="aov_eur", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="last_order_amount_ht_eur", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="avg_days_between_orders", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=130),
        # half the earth's circumference: no two points are farther apart
        gxe.ExpectColumnValuesToBeBetween(column="distance_km", min_value=0, max_value=20_040),
    ]
    for name in _NEVER_NULL_BOOLEANS:
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
    for name in _COUNTS:
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=name))
        expectations.append(gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0))
    return Suite("marts.customers", CUSTOMER_METRICS, tuple(expectations))


def segment_sizes_suite(max_change_ratio: float) -> Suite:
    """One row per segment (size, previous size, change ratio): the ratio stays within the limit.

    Rows whose previous size is unknown or too small to judge carry a null ratio, which GX skips.
    """
    return Suite(
        "segments.sizes",
        ("segment", "size", "previous_size", "change_ratio"),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="size"),
            gxe.ExpectColumnValuesToBeBetween(column="change_ratio", min_value=0, max_value=max_change_ratio),
        ),
    )
