"""IP addresses enter the graph when a second account uses them.

Payment IPs change from session to session in real traffic: on bank-like data three in four
transactions come from an address nothing else ever uses. Such an address links nothing, yet
writing it as an ``IP`` node and a ``FROM_IP`` edge cost more than a third of the server's time
per transaction (#14). So an ``IP`` node and its ``FROM_IP`` edges are made when a second account
uses the address; until then the Redis hash ``ringscope:<graph>:ips`` keeps the one account that
used it and the first ts (field: the address, value: JSON ``[account_id, first_ts]``), and the
address stays on each of its ``Transaction`` nodes (``ip``). Once the node exists the field is
empty. Every address the graph has seen is a field, so the hash also tells a writer, without a
graph lookup, that an address is new.

"First" follows the rest of the graph: a node's ``first_seen`` and a link's ``first_ts`` come
from the first batch that had them (its smallest ts), so the node made for a newly shared
address gets the first sighting's ts, and so does the first account's ``FROM_IP`` edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import orjson

from graph.batch import BatchPlan, Pair

SHARED = ""  # the hash value of an address that has its IP node
# a hash value as a client returns it (text or bytes, by its decode_responses); None: no field
State = bytes | str | None


def ips_key(graph_name: str) -> str:
    return f"ringscope:{graph_name}:ips"


def one_user(account_id: str, first_ts: int) -> str:
    """The hash value of an address only ``account_id`` has used, first at ``first_ts``.

    Text, not orjson's bytes: a bytes object from ``orjson.dumps`` keeps its whole write buffer
    (about 4 KiB), and a bulk load holds one per address (185k: 750 MiB)."""
    return orjson.dumps([account_id, first_ts]).decode()


@dataclass
class IpSettlement:
    """What a batch does about the addresses whose node ids the writer has not cached."""

    plan: BatchPlan  # the plan to write: its IP nodes and FROM_IP links only for shared addresses
    create: list[str] = field(default_factory=list)  # addresses that get their node now
    lookup: list[str] = field(default_factory=list)  # shared before: node ids to look up
    # the first accounts of addresses that become shared now (their links are in the plan,
    # the accounts may not be: their node ids too may need a lookup)
    first_users: list[str] = field(default_factory=list)
    writes: dict[str, str] = field(default_factory=dict)  # hash fields to set
    undo: dict[str, State] = field(default_factory=dict)  # their values before (None: none)


def users_by_ip(plan: BatchPlan) -> dict[str, dict[str, int]]:
    """Address -> {account -> first ts in the batch}, from the plan's FROM_IP links."""
    users: dict[str, dict[str, int]] = {}
    for (account, ip), ts in plan.links["from_ip"].items():
        seen = users.get(ip)
        if seen is None:
            users[ip] = {account: ts}
        else:
            seen[account] = ts
    return users


def settle_ips(
    plan: BatchPlan,
    states: Mapping[str, State],
    cached: Mapping[str, int],
    by_ip: dict[str, dict[str, int]] | None = None,
) -> IpSettlement:
    """Decide each address of the plan from its hash value in ``states`` (None: never seen),
    unless its node id is ``cached`` (the node exists); ``by_ip``: the plan's ``users_by_ip``
    if made already (outside the writer lock). The plan is not changed: the settlement holds a
    copy whose IP nodes and FROM_IP links name only addresses with a node, including the first
    account's link of an address that becomes shared now."""
    nodes = dict(plan.nodes["IP"])
    links = dict(plan.links["from_ip"])
    out = IpSettlement(plan)
    changed = False
    for ip, users in (users_by_ip(plan) if by_ip is None else by_ip).items():
        if ip in cached:
            continue
        state = states.get(ip)
        if state is not None and not state:  # SHARED
            out.lookup.append(ip)
            continue
        if state is None:
            if len(users) > 1:  # shared within the batch
                out.create.append(ip)
                out.writes[ip], out.undo[ip] = SHARED, None
                continue
            ((account, ts),) = users.items()
            out.writes[ip], out.undo[ip] = one_user(account, ts), None
        else:
            first, first_ts = orjson.loads(state)
            if any(account != first for account in users):  # a second account: the node now
                out.create.append(ip)
                out.writes[ip], out.undo[ip] = SHARED, state
                nodes[ip] = first_ts
                links[(first, ip)] = first_ts
                out.first_users.append(first)
                changed = True
                continue
        del nodes[ip]  # one account so far: no node, no link
        for account in users:
            del links[(account, ip)]
        changed = True
    if changed:
        out.plan = replace(
            plan,
            nodes={**plan.nodes, "IP": nodes},
            links={**plan.links, "from_ip": links},
        )
    return out


def shared_ips(links: Mapping[Pair, int]) -> set[str]:
    """The addresses that two or more accounts used, of ``(account, ip) -> ts`` links."""
    first: dict[str, str] = {}
    shared: set[str] = set()
    for account, ip in links:
        if first.setdefault(ip, account) != account:
            shared.add(ip)
    return shared
