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

from collections.abc import Iterable, Iterator
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
    sightings-hash field of every address (as Arrow strings: ~2M of them at 1M accounts, which
    as Python strings would double what the build holds while it writes them)."""

    nodes: dict[str, int]  # address -> first_seen
    links: dict[Pair, int]  # (account, address) -> first_ts
    fields: pa.Array
    values: pa.Array

    def hash_chunks(self, size: int) -> Iterator[dict[str, str]]:
        """The sightings hash, ``size`` fields at a time."""
        for i in range(0, len(self.fields), size):
            fields = self.fields.slice(i, size).to_pylist()
            values = self.values.slice(i, size).to_pylist()
            yield dict(zip(fields, values, strict=True))


def settle(batches: Iterable[IpRows]) -> IpSettled:
    """Decide the addresses of the batches (in batch order): a node's ``first_seen`` is the
    smallest ts of the first batch that had the address, a link's ``first_ts`` comes from the
    first batch that had the pair, as for every other node and link of the build."""
    parts = [b for b in batches if len(b.first_ts)]
    if not parts:
        return IpSettled({}, {}, pa.array([], pa.string()), pa.array([], pa.string()))
    # addresses and accounts as codes into their distinct values
    encoded = pc.dictionary_encode(pa.chunked_array([p.ips for p in parts]).combine_chunks())
    code = encoded.indices.to_numpy().astype(np.int64)
    distinct = encoded.dictionary
    users_of = pc.dictionary_encode(pa.chunked_array([p.accounts for p in parts]).combine_chunks())
    account = users_of.indices.to_numpy().astype(np.int64)
    names = users_of.dictionary
    ts = np.concatenate([p.first_ts for p in parts])
    batch = np.repeat(np.arange(len(parts)), [len(p.first_ts) for p in parts])
    # each pair once, from the first batch that had it
    _, rows = np.unique(account * len(distinct) + code, return_index=True)
    rows.sort()
    account, code, ts, batch = account[rows], code[rows], ts[rows], batch[rows]
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
    # one user: the value is one_user(account, first_ts), JSON written by Arrow around each
    # account's own orjson text
    alone = ~on_shared
    quoted = _json_strings(names)
    value = pc.binary_join_element_wise(
        "[",
        quoted.take(pa.array(account[alone])),
        ",",
        pc.cast(pa.array(ts[alone]), pa.string()),
        "]",
        "",
    )
    fields = pa.concat_arrays([shared_ips, distinct.take(pa.array(code[alone]))])
    values = pa.concat_arrays([pa.array([SHARED] * len(shared_at), pa.string()), value])
    return IpSettled(nodes, links, fields, values)


def _json_strings(texts: pa.Array) -> pa.Array:
    """Each string as JSON text, byte for byte as orjson writes it: in quotes, and only those
    with a quote, a backslash or a control character through orjson itself."""
    quoted = pc.binary_join_element_wise('"', texts, '"', "")
    odd = pc.match_substring_regex(texts, r'["\\\x00-\x1f]')
    if not pc.any(odd).as_py():
        return quoted
    at = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
    escaped = [orjson.dumps(t).decode() for t in texts.take(pa.array(at)).to_pylist()]
    out = quoted.to_pylist()
    for i, text in zip(at.tolist(), escaped, strict=True):
        out[i] = text
    return pa.array(out, pa.string())
