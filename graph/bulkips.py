"""A ``--bulk`` build's addresses, column by column (graph/ipsightings.py says what the graph keeps).

On bank-like data nearly every payment comes from an address of its own: ~185k addresses in 240k
transactions, and all but a handful used by one account. Kept as Python dicts (a node and a link
per address) they were the largest objects a loader handed to the builder, and settling them at
the end of a build took a second on its own. Here each batch hands over its distinct
``(account, address)`` pairs as three arrays (``IpRows``), and ``settle`` decides every address
at once at the end: the nodes and ``FROM_IP`` links of the addresses two accounts used, and the
sightings-hash value of every address, as the append path leaves them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from graph.batch import Pair
from graph.ipsightings import SHARED

_Ints = np.ndarray[Any, np.dtype[np.int64]]
_LATEST = np.iinfo(np.int64).max


@dataclass
class IpRows:
    """A batch's distinct (account, address) pairs in the order they first occur, with the
    pair's first ts in the batch (its smallest)."""

    accounts: pa.Array
    ips: pa.Array
    first_ts: _Ints

    @classmethod
    def of_links(cls, links: dict[Pair, int]) -> IpRows:
        """From a per-event plan's ``from_ip`` links."""
        return cls(
            pa.array([a for a, _ in links], pa.string()),
            pa.array([ip for _, ip in links], pa.string()),
            np.fromiter(links.values(), np.int64, len(links)),
        )


@dataclass
class IpSettled:
    """The build's addresses decided: the nodes and links of those two accounts used, and the
    sightings-hash field of every address."""

    nodes: dict[str, int]  # address -> first_seen
    links: dict[Pair, int]  # (account, address) -> first_ts
    fields: list[str]
    values: list[str]


def settle(batches: Iterable[IpRows]) -> IpSettled:
    """Decide the addresses of the batches (in batch order): a node's ``first_seen`` is the
    smallest ts of the first batch that had the address, a link's ``first_ts`` comes from the
    first batch that had the pair, as for every other node and link of the build."""
    parts = [b for b in batches if len(b.first_ts)]
    if not parts:
        return IpSettled({}, {}, [], [])
    accounts = pa.chunked_array([p.accounts for p in parts]).combine_chunks()
    ips = pa.chunked_array([p.ips for p in parts]).combine_chunks()
    ts = np.concatenate([p.first_ts for p in parts])
    batch = np.repeat(np.arange(len(parts)), [len(p.first_ts) for p in parts])
    # each pair once, from the first batch that had it
    pairs = pc.dictionary_encode(pc.binary_join_element_wise(accounts, ips, "\x01"))
    _, rows = np.unique(pairs.indices.to_numpy(), return_index=True)
    rows.sort()
    at = pa.array(rows)
    accounts, ips, ts, batch = accounts.take(at), ips.take(at), ts[rows], batch[rows]
    encoded = pc.dictionary_encode(ips)
    code = encoded.indices.to_numpy().astype(np.int64)
    distinct = encoded.dictionary
    users = np.bincount(code, minlength=len(distinct))
    first_batch = np.full(len(distinct), _LATEST, np.int64)
    np.minimum.at(first_batch, code, batch)
    in_first = batch == first_batch[code]
    first_seen = np.full(len(distinct), _LATEST, np.int64)
    np.minimum.at(first_seen, code[in_first], ts[in_first])
    shared = users >= 2
    on_shared = shared[code]
    shared_rows = pa.array(np.flatnonzero(on_shared))
    link_accounts = accounts.take(shared_rows).to_pylist()
    link_ips = ips.take(shared_rows).to_pylist()
    links = dict(
        zip(zip(link_accounts, link_ips, strict=True), ts[on_shared].tolist(), strict=True)
    )
    shared_at = np.flatnonzero(shared)
    nodes = dict(
        zip(
            distinct.take(pa.array(shared_at)).to_pylist(),
            first_seen[shared_at].tolist(),
            strict=True,
        )
    )
    # one user: the value is one_user(account, first_ts), JSON written by Arrow around each
    # account's own orjson text
    alone = np.flatnonzero(~on_shared)
    names = pc.dictionary_encode(accounts.take(pa.array(alone)))
    quoted = pa.array([orjson.dumps(a).decode() for a in names.dictionary.to_pylist()], pa.string())
    value = pc.binary_join_element_wise(
        "[", quoted.take(names.indices), ",", pc.cast(pa.array(ts[alone]), pa.string()), "]", ""
    )
    fields = distinct.take(pa.array(shared_at)).to_pylist() + ips.take(pa.array(alone)).to_pylist()
    values = [SHARED] * len(shared_at) + value.to_pylist()
    return IpSettled(nodes, links, fields, values)
