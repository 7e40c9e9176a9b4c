"""RingSAGE: a heterogeneous GraphSAGE over accounts, devices, merchants, IPs and identities.

The learned account model. Each node type's features are projected to ``hidden`` channels, then
``layers`` rounds of ``HeteroConv`` with one ``SAGEConv`` per edge type (mean aggregation)
mix in the typed neighbourhoods; a linear head scores accounts. Training draws mini-batches of
labelled accounts with their sampled typed neighbourhoods through PyG's ``NeighborLoader``
(``num_neighbors`` per hop and edge type, ``gnn.sampling``); ``batch_size=0`` trains full-batch.
Scoring runs full-batch over every neighbour.

Shapes:
    - **input:** ``x_dict[t]`` of ``[N_t, F_t]``, ``edge_index_dict[(s, r, d)]`` of ``[2, E]``
    - **output:** ``[N_account]`` fraud logits
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.data import HeteroData
from torch_geometric.nn import HeteroConv, SAGEConv

from gnn.sampling import account_loader

logger = logging.getLogger(__name__)


Progress = Callable[[int, float], None]  # (epoch or iterations, loss)


class RingSAGE(nn.Module):
    """Heterogeneous GraphSAGE; ``in_dims`` maps node type to feature count."""

    def __init__(
        self,
        in_dims: dict[str, int],
        edge_types: list[tuple[str, str, str]],
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.proj = nn.ModuleDict({t: nn.Linear(d, hidden) for t, d in in_dims.items()})
        self.convs = nn.ModuleList(
            HeteroConv({et: SAGEConv(hidden, hidden) for et in edge_types}, aggr="sum")
            for _ in range(layers)
        )
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.dropout = dropout

    def embed(self, x_dict: dict[str, Tensor], edge_index_dict: dict) -> dict[str, Tensor]:
        """``[N_t, hidden]`` embeddings per node type (self features kept beside the mix)."""
        h = {t: torch.relu(self.proj[t](x)) for t, x in x_dict.items() if t in self.proj}
        for conv in self.convs:
            mixed = conv(h, edge_index_dict)
            h = {t: torch.relu(mixed[t]) + h[t] if t in mixed else h[t] for t in h}
            h = {t: nn.functional.dropout(v, self.dropout, self.training) for t, v in h.items()}
        return h

    def forward(self, x_dict: dict[str, Tensor], edge_index_dict: dict) -> Tensor:
        h = self.embed(x_dict, edge_index_dict)
        own = torch.relu(self.proj["account"](x_dict["account"]))
        return self.head(torch.cat([h["account"], own], dim=1)).squeeze(-1)


def signed_log(x: Tensor) -> Tensor:
    """``sign(x) * log1p(|x|)``: counts, amounts and ages are heavy-tailed and grow with time."""
    return torch.sign(x) * torch.log1p(x.abs())


@dataclass
class Standardiser:
    """Per node type mean and std of the training graph's features (after ``signed_log`` when
    ``log``; models saved before that option read their features raw)."""

    stats: dict[str, tuple[Tensor, Tensor]]
    log: bool = False

    @classmethod
    def fit(cls, data: HeteroData, log: bool = True) -> Standardiser:
        xs = {t: signed_log(data[t].x) if log else data[t].x for t in data.node_types}
        return cls(
            {
                t: (x.mean(0), x.std(0).clamp_min(1e-3))
                if data[t].num_nodes > 1
                else (torch.zeros(x.size(1)), torch.ones(x.size(1)))
                for t, x in xs.items()
            },
            log,
        )

    def __call__(self, data: HeteroData) -> dict[str, Tensor]:
        return {
            t: ((signed_log(data[t].x) if self.log else data[t].x) - m) / s
            for t, (m, s) in self.stats.items()
            if t in data.node_types
        }


class SageClassifier:
    """Fits RingSAGE on sampled neighbourhoods with a class-weighted loss; predicts fraud
    probabilities. ``epochs`` are passes over the training accounts (full-batch steps when
    ``batch_size`` is 0)."""

    kind = "ring_sage"

    def __init__(
        self,
        hidden: int = 64,
        epochs: int = 40,
        lr: float = 0.01,
        seed: int = 0,
        device: str | None = None,
        batch_size: int = 256,
        num_neighbors: tuple[int, ...] = (15, 10),
    ) -> None:
        self.hidden, self.epochs, self.lr, self.seed = hidden, epochs, lr, seed
        self.batch_size, self.num_neighbors = batch_size, tuple(num_neighbors)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model: RingSAGE | None = None
        self.scaler: Standardiser | None = None
        self.in_dims: dict[str, int] = {}
        self.edge_types: list[tuple[str, str, str]] = []

    def fit(
        self, data: HeteroData, train_idx: np.ndarray, progress: Progress | None = None
    ) -> SageClassifier:
        torch.manual_seed(self.seed)
        self.scaler = Standardiser.fit(data)
        self.in_dims = {t: int(data[t].x.size(1)) for t in data.node_types}
        self.edge_types = list(data.edge_types)
        self.model = RingSAGE(self.in_dims, self.edge_types, self.hidden).to(self.device)
        y_all = data["account"].y
        y = y_all[torch.as_tensor(train_idx)].float()
        pos_weight = ((y == 0).sum() / (y == 1).sum().clamp_min(1)).clamp(1, 50).to(self.device)
        opt = torch.optim.Adam(self.model.parameters(), lr=self.lr, weight_decay=1e-4)
        if self.batch_size <= 0:
            self._fit_full(data, train_idx, opt, pos_weight, progress)
            return self
        work = HeteroData()  # standardised features, edges and labels: what the loader slices
        for t, x in self.scaler(data).items():
            work[t].x = x
            work[t].num_nodes = data[t].num_nodes
        for et in data.edge_types:
            work[et].edge_index = data[et].edge_index
        work["account"].y = y_all
        loader = account_loader(
            work,
            torch.as_tensor(train_idx, dtype=torch.long),
            list(self.num_neighbors),
            self.batch_size,
            shuffle=True,
            seed=self.seed,
        )
        for epoch in range(self.epochs):
            self.model.train()
            total = 0.0
            for batch in loader:
                batch = batch.to(self.device)
                n = batch["account"].batch_size
                opt.zero_grad()
                logits = self.model(batch.x_dict, batch.edge_index_dict)[:n]
                loss = nn.functional.binary_cross_entropy_with_logits(
                    logits, batch["account"].y[:n].float(), pos_weight=pos_weight
                )
                loss.backward()
                opt.step()
                total += float(loss.detach()) * n
            if progress is not None:
                progress(epoch, total / max(len(train_idx), 1))
        return self

    def _fit_full(
        self,
        data: HeteroData,
        train_idx: np.ndarray,
        opt: torch.optim.Optimizer,
        pos_weight: Tensor,
        progress: Progress | None,
    ) -> None:
        assert self.model is not None
        x, ei = self._inputs(data)
        idx = torch.as_tensor(train_idx, device=self.device)
        y = data["account"].y.to(self.device)[idx].float()
        for epoch in range(self.epochs):
            self.model.train()
            opt.zero_grad()
            logits = self.model(x, ei)[idx]
            loss = nn.functional.binary_cross_entropy_with_logits(logits, y, pos_weight=pos_weight)
            loss.backward()
            opt.step()
            if progress is not None:
                progress(epoch, float(loss.detach()))

    def _inputs(self, data: HeteroData) -> tuple[dict, dict]:
        assert self.scaler is not None
        x = {t: v.to(self.device) for t, v in self.scaler(data).items()}
        ei = {et: data[et].edge_index.to(self.device) for et in data.edge_types}
        return x, ei

    def to_state(self) -> dict[str, Any]:
        """Plain tensors, numbers and strings only: loadable with ``torch.load(weights_only=True)``."""
        assert self.model is not None and self.scaler is not None
        return {
            "config": {
                "hidden": self.hidden,
                "epochs": self.epochs,
                "lr": self.lr,
                "seed": self.seed,
                "batch_size": self.batch_size,
                "num_neighbors": list(self.num_neighbors),
                "in_dims": self.in_dims,
                "edge_types": [list(et) for et in self.edge_types],
            },
            "weights": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "scaler": {t: [m.cpu(), s.cpu()] for t, (m, s) in self.scaler.stats.items()},
            "log_inputs": self.scaler.log,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SageClassifier:
        config = state["config"]
        clf = cls(
            config["hidden"],
            config["epochs"],
            config["lr"],
            config["seed"],
            device="cpu",
            batch_size=int(config.get("batch_size", 0)),
            num_neighbors=tuple(config.get("num_neighbors", (15, 10))),
        )
        clf.in_dims = dict(config["in_dims"])
        clf.edge_types = [tuple(et) for et in config["edge_types"]]
        clf.model = RingSAGE(clf.in_dims, clf.edge_types, clf.hidden)
        clf.model.load_state_dict(state["weights"])
        clf.scaler = Standardiser(
            {t: (m, s) for t, (m, s) in state["scaler"].items()}, bool(state.get("log_inputs"))
        )
        return clf

    @torch.no_grad()
    def predict_proba(self, data: HeteroData) -> np.ndarray:
        """``[N_account]`` fraud probabilities."""
        assert self.model is not None
        self.model.eval()
        return torch.sigmoid(self.model(*self._inputs(data))).cpu().numpy()
