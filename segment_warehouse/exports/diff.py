"""The difference between the consented membership and what the destination acknowledged (DESIGN §7).

- adds: members the destination does not hold, or holds with another record (their fields changed:
  re-sent as an add, which destinations apply as an upsert);
- removes: customers the destination holds that are no longer consented members — they left the
  segment, withdrew consent on the channel, or are no longer customers (erased).

The comparison runs in the warehouse (a full outer join of the membership with
`exports.destination_state` on customer_id, comparing record hashes), so only the changes become
Python objects. Both lists are sorted by customer_id, so batches are planned deterministically.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from segment_warehouse.exports import state as state_store
from segment_warehouse.exports.membership import PAYLOAD_HASH, PAYLOAD_JSON, Membership
from segment_warehouse.exports.payloads import Record


class Removal(NamedTuple):
    """A customer to remove, with the record the destination acknowledged last (sent with the remove,
    so that the destination can find the contact) and why it leaves."""

    record: Record
    #: not_a_customer | left_segment | consent_withdrawn (filled in by the sync when known)
    reason: str = ""

    @property
    def customer_id(self) -> str:
        return self.record.customer_id


@dataclass(frozen=True)
class Diff:
    adds: list[Record]
    removes: list[Removal]
    #: how many of the adds are members already held with an older record
    changed: int
    previous_size: int
    members: int

    @property
    def changes(self) -> int:
        return len(self.adds) + len(self.removes)

    def __bool__(self) -> bool:
        return bool(self.adds or self.removes)


def compute_diff(
    con: duckdb.DuckDBPyConnection,
    export: str,
    membership: Membership,
    *,
    hold_back: Collection[str] = (),
) -> Diff:
    """Adds and removes that bring the destination from its acknowledged state to `membership`.

    `hold_back` lists customers to leave out of this diff (rows a destination rejected earlier in the same
    sync: they are retried on the next sync, not twice in one).
    """
    if state_store.state_tables_exist(con):
        held = f"(select * from {state_store.SCHEMA}.destination_state where export = ?)"
        params: list[object] = [export]
    else:  # before the first sync (a dry run does not create the tables)
        held = "(select null::varchar as customer_id, null::varchar as payload, null::varchar as payload_hash limit 0)"
        params = []
    con.register("_export_members", membership.table.select(["customer_id", PAYLOAD_JSON, PAYLOAD_HASH]))
    try:
        rows = con.execute(
            f"""
            select
                coalesce(m.customer_id, s.customer_id) as customer_id,
                m.customer_id is not null as is_member,
                s.customer_id is not null as is_held,
                m.{PAYLOAD_JSON}, m.{PAYLOAD_HASH}, cast(s.payload as varchar), s.payload_hash
            from _export_members as m
            full outer join {held} as s on s.customer_id = m.customer_id
            where m.customer_id is null or s.customer_id is null or m.{PAYLOAD_HASH} <> s.payload_hash
            order by 1
            """,
            params,
        ).fetchall()
        found = con.execute(f"select count(*) from {held} as s", params).fetchone()
        previous_size = int(found[0]) if found else 0
    finally:
        con.unregister("_export_members")
    adds: list[Record] = []
    removes: list[Removal] = []
    changed = 0
    for customer_id, is_member, is_held, payload, digest, held_payload, held_digest in rows:
        if customer_id in hold_back:
            continue
        if is_member:
            adds.append(Record(customer_id, payload, digest))
            changed += is_held
        else:
            removes.append(Removal(Record(customer_id, held_payload, held_digest)))
    return Diff(adds=adds, removes=removes, changed=changed, previous_size=previous_size, members=len(membership))
