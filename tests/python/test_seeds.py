"""The dbt seeds hold exactly the reference data of the design (DESIGN §5)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from segment_warehouse.contract import FX_RATES_TO_EUR
from segment_warehouse.settings import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"
SHARED_CITIES = PROJECT_DIR.parent / "shared" / "data" / "cities.csv"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fx_rates_seed_equals_the_contract() -> None:
    rows = _read_csv(SEEDS_DIR / "fx_rates.csv")

    currencies = [row["currency"] for row in rows]
    assert len(currencies) == len(set(currencies)), f"duplicate currency in seeds/fx_rates.csv: {currencies}"
    assert {row["currency"]: Decimal(row["rate_to_eur"]) for row in rows} == {
        currency: Decimal(rate) for currency, rate in FX_RATES_TO_EUR.items()
    }


def test_fx_rates_seed_has_exactly_the_contract_columns() -> None:
    with (SEEDS_DIR / "fx_rates.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "currency,rate_to_eur"


def test_cities_seed_equals_the_shared_reference() -> None:
    if not SHARED_CITIES.exists():
        pytest.skip(f"{SHARED_CITIES} is absent (the shared/ folder beside the repository is not checked out)")

    assert _read_csv(SEEDS_DIR / "cities.csv") == _read_csv(SHARED_CITIES)


def test_cities_seed_columns_and_values_are_typed() -> None:
    rows = _read_csv(SEEDS_DIR / "cities.csv")

    assert rows, "seeds/cities.csv is empty"
    assert list(rows[0]) == ["city", "country_code", "population", "latitude", "longitude"]
    for row in rows:
        assert int(row["population"]) > 0, row
        assert -90 <= float(row["latitude"]) <= 90, row
        assert -180 <= float(row["longitude"]) <= 180, row
        assert len(row["country_code"]) == 2 and row["country_code"].isupper(), row
    lowered = [row["city"].lower() for row in rows]
    assert len(lowered) == len(set(lowered)), "two cities share a name case-insensitively (is_urban would double)"
