"""The difference between the consented membership and what the destination acknowledged (DESIGN §7).

- adds: members the destination does not hold, or holds with another record (their fields changed:
  re-sent as an add, which destinations apply as an upsert);
- removes: customers the destination holds that are no longer consented members — they left the
  segment, withdrew consent on the channel, or are no longer customers (erased).

Both lists are sorted by customer_id, so batches are planned deterministically.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from segment_warehouse.exports.membership import Member, Membership
from segment_warehouse.exports.state import AcknowledgedRecord


@dataclass(frozen=True)
class Removal:
    customer_id: str
    #: the record the destination acknowledged last (sent with the remove, so it can find the contact)
    payload_json: str
    #: not_a_customer | left_segment | consent_withdrawn (filled in by the sync when known)
    reason: str = ""

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json)


@dataclass(frozen=True)
class Diff:
    adds: list[Member]
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
    membership: Membership, state: dict[str, AcknowledgedRecord], *, hold_back: Collection[str] = ()
) -> Diff:
    """Adds and removes that bring the destination from `state` to `membership`.

    `hold_back` lists customers to leave out of this diff (rows a destination rejected earlier in the same
    sync: they are retried on the next sync, not twice in one).
    """
    adds: list[Member] = []
    changed = 0
    for customer_id, member in membership.members.items():
        if customer_id in hold_back:
            continue
        held = state.get(customer_id)
        if held is None:
            adds.append(member)
        elif held.payload_hash != member.payload_hash:
            adds.append(member)
            changed += 1
    removes = [
        Removal(customer_id, record.payload_json)
        for customer_id, record in state.items()
        if customer_id not in membership.members and customer_id not in hold_back
    ]
    adds.sort(key=lambda m: m.customer_id)
    removes.sort(key=lambda r: r.customer_id)
    return Diff(adds=adds, removes=removes, changed=changed, previous_size=len(state), members=len(membership))
