"""TxSAGE: a relation-typed GraphSAGE over the GTAN transaction graph, trained semi-supervised.

Transactions are nodes; each transaction is linked to the next ``per_key`` transactions that
share one of its keys (party, merchant, location, type), one relation per key and, unless
``causal``, one more per key for the reverse direction. A layer runs one mean-aggregating
``SAGEConv`` per relation, sums them and keeps a residual; a small head scores each transaction.

Labels enter only as inputs and targets of *training* rows, never of test rows. Training is
fold-wise (the "label trick"): for fold ``f`` the inputs hold the labels and neighbour-label
features of the other folds only, and the loss is taken on fold ``f``, so no node ever sees its
own label, directly or through a neighbour. The same folds give out-of-fold embeddings for the
training rows; every other row is embedded with all training labels visible.

Shapes:
    - **input:** ``x`` of ``[N, F]``, ``edge_index`` of ``[2, E]``, ``edge_type`` of ``[E]``
      (values in ``0 .. relations - 1``)
    - **output:** ``[N]`` fraud logits; ``embed`` gives ``[N, hidden]``
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import torch
from torch import Tensor, nn
from torch_geometric.nn import SAGEConv

logger = logging.getLogger(__name__)


def tx_edges(
    keys: np.ndarray, time: np.ndarray, per_key: int = 2, causal: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """GTAN-style edges: each row to the next ``per_key`` rows (in time) sharing a key.

    Returns ``edge_index`` ``[2, E]`` (earlier -> later, plus reversed copies unless ``causal``)
    and ``edge_type`` ``[E]`` (key column, reversed copies offset by ``keys.shape[1]``).
    """
    srcs, dsts, types = [], [], []
    n_keys = keys.shape[1]
    for k in range(n_keys):
        order = np.lexsort((time, keys[:, k]))
        codes = keys[order, k]
        for step in range(1, per_key + 1):
            same = codes[:-step] == codes[step:]
            src, dst = order[:-step][same], order[step:][same]
            srcs.append(src)
            dsts.append(dst)
            types.append(np.full(len(src), k))
            if not causal:
                srcs.append(dst)
                dsts.append(src)
                types.append(np.full(len(src), n_keys + k))
    edge_index = np.stack([np.concatenate(srcs), np.concatenate(dsts)]).astype(np.int64)
    return edge_index, np.concatenate(types).astype(np.int64)


def label_inputs(labels: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """``[N, 2]``: is a visible fraud, is a visible legit (zeros where the label is hidden)."""
    seen = visible & (labels < 2)
    return np.stack([seen & (labels == 1), seen & (labels == 0)], axis=1).astype(np.float32)


def squash(x: np.ndarray) -> np.ndarray:
    """Signed log of heavy-tailed features (amounts, counts, gaps) before standardising."""
    return (np.sign(x) * np.log1p(np.abs(x))).astype(np.float32)


class TxSAGE(nn.Module):
    """Relation-typed GraphSAGE with residual layers and an MLP head."""

    def __init__(
        self, in_dim: int, relations: int, hidden: int = 32, layers: int = 2, dropout: float = 0.2
    ) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.convs = nn.ModuleList(
            nn.ModuleList(SAGEConv(hidden, hidden, root_weight=False) for _ in range(relations))
            for _ in range(layers)
        )
        self.roots = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.dropout = dropout

    def embed(self, x: Tensor, edges: Sequence[Tensor]) -> Tensor:
        """``[N, hidden]`` embeddings; ``edges`` holds one ``[2, E_r]`` index per relation."""
        h = torch.relu(self.proj(x))
        for convs, root, norm in zip(self.convs, self.roots, self.norms, strict=True):
            mixed = root(h)
            for conv, ei in zip(cast(nn.ModuleList, convs), edges, strict=True):
                mixed = mixed + conv(h, ei)
            h = norm(h + torch.relu(mixed))
            h = nn.functional.dropout(h, self.dropout, self.training)
        return h

    def forward(self, x: Tensor, edges: Sequence[Tensor]) -> Tensor:
        return self.head(self.embed(x, edges)).squeeze(-1)


class TxSageClassifier:
    """Fits TxSAGE fold-wise, full batch, class-weighted; gives out-of-fold scores and embeddings.

    Args:
        fold_inputs: per fold ``f``, ``[N, F]`` inputs built from the labels of training rows
            outside fold ``f``; ``all_inputs`` the same from every training label.
        folds: ``[N]`` fold of each row; ``targets`` ``[N]`` rows whose label is trained on
            (labelled training rows); ``labels`` ``[N]`` in {0, 1, 2}.
    """

    def __init__(
        self,
        hidden: int = 32,
        epochs: int = 60,
        lr: float = 0.01,
        seed: int = 0,
        device: str | None = None,
    ) -> None:
        self.hidden, self.epochs, self.lr, self.seed = hidden, epochs, lr, seed
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model: TxSAGE | None = None
        self.mean: Tensor | None = None
        self.std: Tensor | None = None

    def _edges(self, edge_index: np.ndarray, edge_type: np.ndarray) -> list[Tensor]:
        ei = torch.as_tensor(edge_index, device=self.device)
        et = torch.as_tensor(edge_type, device=self.device)
        return [ei[:, et == r] for r in range(int(edge_type.max()) + 1)]

    def _x(self, x: np.ndarray) -> Tensor:
        assert self.mean is not None and self.std is not None
        return (torch.as_tensor(squash(x), device=self.device) - self.mean) / self.std

    def fit(
        self,
        fold_inputs: list[np.ndarray],
        folds: np.ndarray,
        targets: np.ndarray,
        labels: np.ndarray,
        edge_index: np.ndarray,
        edge_type: np.ndarray,
        progress: Callable[[int, float], None] | None = None,
    ) -> TxSageClassifier:
        torch.manual_seed(self.seed)
        stacked = torch.as_tensor(squash(np.concatenate(fold_inputs)), device=self.device)
        self.mean, self.std = stacked.mean(0), stacked.std(0).clamp_min(1e-3)
        xs = [self._x(x) for x in fold_inputs]
        edges = self._edges(edge_index, edge_type)
        relations = len(edges)
        self.model = TxSAGE(xs[0].size(1), relations, self.hidden).to(self.device)
        y = torch.as_tensor(labels == 1, dtype=torch.float32, device=self.device)
        rows = [
            torch.as_tensor(np.flatnonzero(targets & (folds == f)), device=self.device)
            for f in range(len(xs))
        ]
        pos = float((labels[targets] == 1).sum())
        pos_weight = torch.tensor(min(max((targets.sum() - pos) / max(pos, 1.0), 1.0), 50.0))
        opt = torch.optim.AdamW(self.model.parameters(), lr=self.lr, weight_decay=1e-4)
        for epoch in range(self.epochs):
            f = epoch % len(xs)
            self.model.train()
            opt.zero_grad()
            logits = self.model(xs[f], edges)[rows[f]]
            loss = nn.functional.binary_cross_entropy_with_logits(
                logits, y[rows[f]], pos_weight=pos_weight.to(self.device)
            )
            loss.backward()
            opt.step()
            if progress is not None:
                progress(epoch, float(loss.detach()))
        return self

    @torch.no_grad()
    def transform(
        self,
        fold_inputs: list[np.ndarray],
        all_inputs: np.ndarray,
        folds: np.ndarray,
        train: np.ndarray,
        edge_index: np.ndarray,
        edge_type: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``[N]`` fraud probabilities and ``[N, hidden]`` embeddings, out of fold on ``train``."""
        assert self.model is not None
        self.model.eval()
        edges = self._edges(edge_index, edge_type)
        h = self.model.embed(self._x(all_inputs), edges)
        for f, x in enumerate(fold_inputs):
            rows = torch.as_tensor(np.flatnonzero(train & (folds == f)), device=self.device)
            h[rows] = self.model.embed(self._x(x), edges)[rows]
        prob = torch.sigmoid(self.model.head(h).squeeze(-1))
        return prob.cpu().numpy(), h.cpu().numpy()
