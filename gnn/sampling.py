"""Neighbour sampling for ``NeighborLoader`` on heterogeneous graphs, with or without pyg-lib.

PyG's ``NeighborSampler`` samples through ``pyg-lib`` or ``torch-sparse``; neither ships a
wheel on PyPI for every torch release. ``TorchNeighborSampler`` keeps PyG's sampler (its CSC
conversion, its output type, the loader that filters features and labels) and samples in plain
torch when neither library is installed: per hop and edge type, at most ``num_neighbors[hop]``
incoming edges of each frontier node, drawn uniformly without replacement. The output has the
layout of ``torch-sparse``'s hetero sampler: seeds first, nodes local per type, ``row``/``col``
local indices and ``edge`` positions in the CSC order (the loader maps them back).

Shapes: ``seed[t]`` ``[B_t]`` global node ids; ``node[t]`` ``[N_t]``; ``row[et]``, ``col[et]``,
``edge[et]`` ``[E_et]``.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch_geometric.typing as pyg_typing
from torch import Tensor
from torch_geometric.data import HeteroData
from torch_geometric.loader import NeighborLoader
from torch_geometric.sampler import HeteroSamplerOutput, NeighborSampler


def sample_incoming(
    colptr: Tensor, row: Tensor, frontier: Tensor, k: int, gen: torch.Generator
) -> tuple[Tensor, Tensor]:
    """Up to ``k`` incoming edges per frontier node (all when ``k < 0``).

    Returns the CSC positions of the chosen edges and, for each, the frontier slot it serves.
    """
    start, deg = colptr[frontier], colptr[frontier + 1] - colptr[frontier]
    if len(frontier) == 0 or int(deg.sum()) == 0:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    slot = torch.repeat_interleave(torch.arange(len(frontier)), deg)
    offset = torch.arange(len(slot)) - torch.repeat_interleave(torch.cumsum(deg, 0) - deg, deg)
    pos = start[slot] + offset
    if k >= 0 and bool((deg > k).any()):
        # rank each edge within its node by a random key; keep the first k
        key = torch.rand(len(slot), generator=gen)
        order = torch.argsort(slot.double() * 2 + key, stable=True)
        rank = torch.empty_like(order)
        rank[order] = offset
        keep = rank < k
        pos, slot = pos[keep], slot[keep]
    return pos, slot


class TorchNeighborSampler(NeighborSampler):  # type: ignore[misc]
    """``NeighborSampler`` that falls back to plain torch for heterogeneous node sampling."""

    def __init__(self, data: HeteroData, num_neighbors: list[int], seed: int = 0) -> None:
        with warnings.catch_warnings():  # PyG's "without pyg-lib" notice: this class samples itself
            warnings.filterwarnings("ignore", message=".*without a 'pyg-lib' installation")
            super().__init__(data, num_neighbors=num_neighbors)
        self.gen = torch.Generator().manual_seed(seed)

    def _sample(self, seed: Any, seed_time: Any = None, **kwargs: Any) -> Any:
        native = pyg_typing.WITH_PYG_LIB or pyg_typing.WITH_TORCH_SPARSE
        if native or not isinstance(seed, dict) or self.disjoint or seed_time is not None:
            return super()._sample(seed, seed_time, **kwargs)
        return self._torch_sample(seed)

    def _torch_sample(self, seed: dict[str, Tensor]) -> HeteroSamplerOutput:
        local = {t: torch.full((n,), -1, dtype=torch.long) for t, n in self.num_nodes.items()}
        nodes: dict[str, list[Tensor]] = {t: [] for t in self.node_types}
        frontier: dict[str, Tensor] = {}
        count = dict.fromkeys(self.node_types, 0)
        for t, ids in seed.items():
            ids = ids.long()  # the loader's seeds: distinct, kept in order (seeds come first)
            local[t][ids] = torch.arange(len(ids))
            nodes[t].append(ids)
            frontier[t], count[t] = ids, len(ids)
        rows: dict[tuple[str, str, str], list[Tensor]] = {et: [] for et in self.edge_types}
        cols: dict[tuple[str, str, str], list[Tensor]] = {et: [] for et in self.edge_types}
        edges: dict[tuple[str, str, str], list[Tensor]] = {et: [] for et in self.edge_types}
        hops = self.num_neighbors.get_mapped_values(self.edge_types)
        for hop in range(self.num_neighbors.num_hops):
            found: dict[str, list[Tensor]] = {t: [] for t in self.node_types}
            for et in self.edge_types:
                src, _, dst = et
                rel = self.to_rel_type[et]
                if dst not in frontier or len(frontier[dst]) == 0:
                    continue
                pos, slot = sample_incoming(
                    self.colptr_dict[rel],
                    self.row_dict[rel],
                    frontier[dst],
                    hops[rel][hop],
                    self.gen,
                )
                if len(pos) == 0:
                    continue
                glob = self.row_dict[rel][pos]
                new = torch.unique(glob[local[src][glob] < 0])
                local[src][new] = torch.arange(count[src], count[src] + len(new))
                count[src] += len(new)
                nodes[src].append(new)
                found[src].append(new)
                rows[et].append(local[src][glob])
                cols[et].append(local[dst][frontier[dst][slot]])
                edges[et].append(pos)
            frontier = {t: torch.cat(v) for t, v in found.items() if v}

        def cat(parts: list[Tensor]) -> Tensor:
            return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long)

        return HeteroSamplerOutput(
            node={t: cat(v) for t, v in nodes.items()},
            row={et: cat(v) for et, v in rows.items()},
            col={et: cat(v) for et, v in cols.items()},
            edge={et: cat(v) for et, v in edges.items()},
            batch=None,
        )


def account_loader(
    data: HeteroData,
    accounts: Tensor,
    num_neighbors: list[int],
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
) -> NeighborLoader:
    """A ``NeighborLoader`` over ``accounts`` (seed nodes) of ``data``, hops ``num_neighbors``."""
    sampler = TorchNeighborSampler(data, num_neighbors, seed)
    return NeighborLoader(
        data,
        num_neighbors=num_neighbors,
        input_nodes=("account", accounts),
        batch_size=batch_size,
        shuffle=shuffle,
        neighbor_sampler=sampler,
    )
