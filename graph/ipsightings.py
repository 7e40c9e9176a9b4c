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


@dataclass
class IpUsers:
    """A batch's addresses and the accounts that used them (from its FROM_IP links): most
    addresses have one, kept as a tuple (a dict per address cost more than the rest)."""

    first: dict[str, tuple[str, int]]  # address -> (an account, its first ts in the batch)
    more: dict[str, dict[str, int]]  # address -> {account -> first ts}, for 2+ accounts
    # address -> its hash value if no one used it before (``one_user``), for those one account
    # used in the batch: made with the rest before the writer lock
    alone: dict[str, str] = field(default_factory=dict)


def users_by_ip(plan: BatchPlan) -> IpUsers:
    users = IpUsers({}, {})
    first, more = users.first, users.more
    for (account, ip), ts in plan.links["from_ip"].items():
        one = first.get(ip)
        if one is None:
            first[ip] = (account, ts)
        elif ip in more:
            more[ip][account] = ts
        else:
            more[ip] = {one[0]: one[1], account: ts}
    users.alone = {ip: one_user(*user) for ip, user in first.items() if ip not in more}
    return users


def settle_ips(
    plan: BatchPlan,
    states: Mapping[str, State],
    cached: Mapping[str, int],
    users: IpUsers | None = None,
) -> IpSettlement:
    """Decide each address of the plan from its hash value in ``states`` (None: never seen),
    unless its node id is ``cached`` (the node exists); ``users``: the plan's ``users_by_ip``
    if made already (outside the writer lock). The plan is not changed: the settlement holds a
    copy whose IP nodes and FROM_IP links name only addresses with a node, including the first
    account's link of an address that becomes shared now."""
    if users is None:
        users = users_by_ip(plan)
    seen = plan.nodes["IP"]
    nodes: dict[str, int] = {}
    links: dict[Pair, int] = {}
    out = IpSettlement(plan)
    writes, undo = out.writes, out.undo
    for ip, (account, ts) in users.first.items():
        several = users.more.get(ip)
        if ip not in cached:
            state = states.get(ip)
            if state is None:
                if several is None:  # the common case: a new address, one account
                    writes[ip], undo[ip] = users.alone[ip], None
                    continue
                out.create.append(ip)  # shared within the batch
                writes[ip], undo[ip] = SHARED, None
            elif not state:  # SHARED: the node exists
                out.lookup.append(ip)
            else:
                user, first_ts = orjson.loads(state)
                if several is None and account == user:  # the same one account again
                    continue
                out.create.append(ip)  # a second account: the node now
                writes[ip], undo[ip] = SHARED, state
                nodes[ip] = first_ts
                links[(user, ip)] = first_ts
                out.first_users.append(user)
        nodes.setdefault(ip, seen[ip])
        if several is None:
            links.setdefault((account, ip), ts)
        else:
            for other, other_ts in several.items():
                links.setdefault((other, ip), other_ts)
    out.plan = replace(
        plan, nodes={**plan.nodes, "IP": nodes}, links={**plan.links, "from_ip": links}
    )
    return out
