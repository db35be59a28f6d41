"""The product catalogue as a landing table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.catalogue import PRODUCTS, product_ids, product_price_cents


def products_table() -> pa.Table:
    return col.table(
        "products",
        {
            "product_id": pa.array(product_ids(), pa.string()),
            "title": pa.array([p[0] for p in PRODUCTS], pa.string()),
            "product_type": pa.array([p[1] for p in PRODUCTS], pa.string()),
            "collection": pa.array([p[2] for p in PRODUCTS], pa.string()),
            "price": col.amounts(product_price_cents(), np.zeros(len(PRODUCTS), bool)),
        },
    )
