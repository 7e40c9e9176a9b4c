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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
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
    sightings-hash field of every address. The hash is written from codes a chunk at a time:
    at 1M accounts it holds ~1.9M addresses, and as whole arrays of fields and values (or as
    Python strings) it cost more than the rest of settling them."""

    nodes: dict[str, int]  # address -> first_seen
    links: dict[Pair, int]  # (account, address) -> first_ts
    shared: pa.Array  # the addresses two or more accounts used (hash value SHARED)
    addresses: pa.Array  # every distinct address
    accounts: pa.Array  # their one users' ids, as JSON text
    # an address one account used: its code in ``addresses``, its user's in ``accounts``, and
    # the first ts of the two (hash value ``[account, first_ts]``, as ipsightings.one_user)
    alone: _Ints
    alone_user: _Ints
    alone_ts: _Ints

    def hash_chunks(self, size: int) -> Iterator[dict[str, str]]:
        """The sightings hash, ``size`` fields at a time."""
        for i in range(0, len(self.shared), size):
            yield dict.fromkeys(self.shared.slice(i, size).to_pylist(), SHARED)
        for i in range(0, len(self.alone), size):
            part = slice(i, i + size)
            fields = self.addresses.take(pa.array(self.alone[part])).to_pylist()
            values = pc.binary_join_element_wise(
                "[",
                self.accounts.take(pa.array(self.alone_user[part])),
                ",",
                pc.cast(pa.array(self.alone_ts[part]), pa.string()),
                "]",
                "",
            )
            yield dict(zip(fields, values.to_pylist(), strict=True))


def settle(batches: list[IpRows]) -> IpSettled:
    """Decide the addresses of the batches (in batch order): a node's ``first_seen`` is the
    smallest ts of the first batch that had the address, a link's ``first_ts`` comes from the
    first batch that had the pair, as for every other node and link of the build. Empties
    ``batches``: each batch's arrays are let go once encoded."""
    parts = [b for b in batches if len(b.first_ts)]
    batches.clear()
    if not parts:
        nothing = pa.array([], pa.string())
        none = np.zeros(0, np.int64)
        return IpSettled({}, {}, nothing, nothing, nothing, none, none, none)
    ts = np.concatenate([p.first_ts for p in parts])
    batch = np.repeat(np.arange(len(parts)), [len(p.first_ts) for p in parts])
    # addresses and accounts as codes into their distinct values (one dictionary across chunks)
    code, distinct = _encoded(pa.chunked_array([p.ips for p in parts]))
    account, names = _encoded(pa.chunked_array([p.accounts for p in parts]))
    del parts
    # each pair once, from the first batch that had it
    _, rows = np.unique(account * len(distinct) + code, return_index=True)
    rows.sort()
    account, code, ts, batch = account[rows], code[rows], ts[rows], batch[rows]
    del rows
    users = np.bincount(code, minlength=len(distinct))
    first_batch = np.full(len(distinct), _LATEST, np.int64)
    np.minimum.at(first_batch, code, batch)
    in_first = batch == first_batch[code]
    first_seen = np.full(len(distinct), _LATEST, np.int64)
    np.minimum.at(first_seen, code[in_first], ts[in_first])
    shared = users >= 2
    on_shared = shared[code]
    link_accounts = names.take(pa.array(account[on_shared])).to_pylist()
    link_ips = distinct.take(pa.array(code[on_shared])).to_pylist()
    links = dict(
        zip(zip(link_accounts, link_ips, strict=True), ts[on_shared].tolist(), strict=True)
    )
    shared_at = np.flatnonzero(shared)
    shared_ips = distinct.take(pa.array(shared_at))
    nodes = dict(zip(shared_ips.to_pylist(), first_seen[shared_at].tolist(), strict=True))
    alone = ~on_shared
    return IpSettled(
        nodes,
        links,
        shared_ips,
        distinct,
        _json_strings(names),
        code[alone],
        account[alone],
        ts[alone],
    )


def _encoded(values: pa.ChunkedArray) -> tuple[_Ints, pa.Array]:
    """Each value's code into the distinct values, and those values."""
    encoded = pc.dictionary_encode(values)
    codes = np.concatenate([chunk.indices.to_numpy() for chunk in encoded.chunks])
    return codes.astype(np.int64), encoded.chunks[-1].dictionary


def _json_strings(texts: pa.Array) -> pa.Array:
    """Each id as JSON text, byte for byte as orjson writes it: ids hold no control characters
    (core.events.Id), so escaping is ``\\`` and ``"`` (as bulkcolumns' edge-log rows)."""
    escaped = pc.replace_substring(pc.replace_substring(texts, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")
