"""NeighborLoader over typed relations: sampled edges are real, fan-in is capped, seeds first."""

from __future__ import annotations

import torch
from torch_geometric.data import HeteroData

from gnn.sampling import account_loader, sample_incoming


def _graph() -> HeteroData:
    gen = torch.Generator().manual_seed(0)
    data = HeteroData()
    data["account"].x = torch.randn(120, 3, generator=gen)
    data["account"].y = torch.arange(120)
    data["device"].x = torch.randn(15, 2, generator=gen)
    used = torch.stack(
        [torch.randint(0, 120, (500,), generator=gen), torch.randint(0, 15, (500,), generator=gen)]
    )
    used = torch.unique(used, dim=1)
    data["account", "used", "device"].edge_index = used
    data["device", "rev_used", "account"].edge_index = used.flip(0)
    data["account", "transferred", "account"].edge_index = torch.randint(
        0, 120, (2, 300), generator=gen
    )
    return data


def test_sample_incoming_caps_each_node_and_keeps_all_when_few() -> None:
    colptr = torch.tensor([0, 5, 6, 6])  # node 0: 5 in-edges, node 1: one, node 2: none
    row = torch.arange(6)
    pos, slot = sample_incoming(colptr, row, torch.tensor([0, 1, 2]), 2, torch.Generator())
    assert torch.bincount(slot, minlength=3).tolist() == [2, 1, 0]
    assert set(pos[slot == 0].tolist()) <= {0, 1, 2, 3, 4} and pos[slot == 1].tolist() == [5]
    pos, slot = sample_incoming(colptr, row, torch.tensor([0]), -1, torch.Generator())
    assert sorted(pos.tolist()) == [0, 1, 2, 3, 4]


def test_neighbor_loader_batches_are_subgraphs_of_the_typed_graph() -> None:
    data = _graph()
    edges = {et: set(map(tuple, data[et].edge_index.t().tolist())) for et in data.edge_types}
    seeds = torch.arange(10, 70)
    seen = []
    for batch in account_loader(data, seeds, [4, 3], batch_size=16, shuffle=True, seed=1):
        n = batch["account"].batch_size
        seen += batch["account"].n_id[:n].tolist()
        # the labels the loss reads are the seeds' own
        assert torch.equal(batch["account"].y[:n], batch["account"].n_id[:n])
        for et in batch.edge_types:
            src, _, dst = et
            ei = batch[et].edge_index
            pairs = zip(
                batch[src].n_id[ei[0]].tolist(), batch[dst].n_id[ei[1]].tolist(), strict=True
            )
            assert set(pairs) <= edges[et]
            # at most 4 sampled in-edges per seed account (first hop) and relation
            into_seeds = ei[1][ei[1] < n] if dst == "account" else ei[1][:0]
            if len(into_seeds):
                assert int(torch.bincount(into_seeds).max()) <= 4
    assert sorted(seen) == seeds.tolist()
