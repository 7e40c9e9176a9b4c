"""Why an account scored as it did: the features and the neighbour edges behind its score.

Both methods work on the account's k-hop piece (``gnn.online.LiveGraph.subgraph``), so the
cost is bounded by the piece, not the graph.

- **RingSAGE** (the learned PyG model): ``torch_geometric.explain.Explainer`` with
  ``GNNExplainer``, node-level, on the piece. Feature weights are the learned feature mask of
  the account's own row; edge weights the learned edge mask, both directions of an edge summed.
- **RingBoost** (propagated features into boosting): feature weights are tree path
  attributions (Saabas, the approximate ``pred_contribs`` of XGBoost) in log-odds over the
  propagated columns, so ``bias + sum(weights)`` is the model's log-odds. Edge weights are
  occlusion: each edge of the account and each edge a shared device, IP or identity has to
  another account is removed in turn, the features propagated again, and the drop in log-odds
  is the edge's weight. An account's own graph counts (``in_total``, ``payments``,
  ``device_sharers``...) do not move when an edge is removed, so each count's attribution is
  also split evenly over the edges that make it (``FEATURE_EDGES``): an edge's weight is what it
  brought through propagation plus its share of the counts it makes.

Edges come back as graph relationships (``USED``, ``FROM_IP``, ``HAS_PHONE``, ``PAID``,
``REFUNDED``, ``TRANSFERRED``) between graph ids, in the graph's direction.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch_geometric.data import HeteroData

from core.explanations import EdgeWeight, FeatureWeight
from gnn.ring_boost import propagate, propagated_names

RELATIONSHIPS = {
    "transferred": "TRANSFERRED",
    "paid": "PAID",
    "refunded": "REFUNDED",
    "used": "USED",
    "from_ip": "FROM_IP",
}
# hashed identity ids carry their kind's initial (core.events.hash_identity)
IDENTITY_RELATIONSHIPS = {"p": "HAS_PHONE", "e": "HAS_EMAIL", "a": "HAS_ADDRESS"}
_SHARED = ("device", "ip", "identity")  # entities whose other accounts feed RingBoost


@dataclass(frozen=True)
class Attribution:
    """One account's explanation on a piece: its score (0-100) and what drove it."""

    score: float
    method: str
    features: tuple[FeatureWeight, ...]
    edges: tuple[EdgeWeight, ...]


def graph_edge(
    data: HeteroData, edge_type: tuple[str, str, str], src: int, dst: int
) -> tuple[str, str, str] | None:
    """``(source id, target id, relationship)`` in the graph for one HeteroData edge."""
    s_type, rel, d_type = edge_type
    if rel.startswith("rev_"):
        s_type, rel, d_type, src, dst = d_type, rel[4:], s_type, dst, src
    source, target = str(data[s_type].ids[src]), str(data[d_type].ids[dst])
    if rel == "has_identity":
        kind = IDENTITY_RELATIONSHIPS.get(target[:1]) if target[1:2] == "-" else None
        return None if kind is None else (source, target, kind)
    kind = RELATIONSHIPS.get(rel)
    return None if kind is None else (source, target, kind)


def _top(weights: dict[tuple[str, str, str], float], top: int) -> tuple[EdgeWeight, ...]:
    ranked = [kv for kv in weights.items() if round(kv[1], 6) != 0.0]  # what moved the score
    ranked.sort(key=lambda kv: (-abs(kv[1]), kv[0]))
    return tuple(
        EdgeWeight(source=s, target=t, type=k, weight=round(w, 6)) for (s, t, k), w in ranked[:top]
    )


# ---- RingBoost ---------------------------------------------------------------------------


def tree_contributions(clf: Any, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Bias and ``[F]`` per-feature log-odds of one row through a fitted HistGradientBoosting.

    Walks each tree's decision path and credits every change of node value to the split's
    feature; internal node values are unshrunk in scikit-learn, leaves shrunk, so internal ones
    are scaled by the learning rate. ``bias + contributions.sum()`` equals
    ``clf.decision_function([x])``.
    """
    lr = float(clf.learning_rate)
    bias = float(np.ravel(clf._baseline_prediction)[0])
    contrib = np.zeros(x.shape[0], dtype=np.float64)
    for (predictor,) in clf._predictors:
        nodes = predictor.nodes
        leaf, value_col = nodes["is_leaf"], nodes["value"]

        def value(i: int, leaf: Any = leaf, value_col: Any = value_col) -> float:
            return float(value_col[i]) * (1.0 if leaf[i] else lr)

        node, current = 0, value(0)
        bias += current
        while not leaf[node]:
            f = int(nodes["feature_idx"][node])
            xv = x[f]
            left = (
                bool(nodes["missing_go_to_left"][node])
                if np.isnan(xv)
                else xv <= nodes["num_threshold"][node]
            )
            child = int(nodes["left"][node] if left else nodes["right"][node])
            nxt = value(child)
            contrib[f] += nxt - current
            node, current = child, nxt
    return bias, contrib


# Which edges make each of an account's own graph counts (gnn.features): "out"/"in" are its
# outgoing/incoming transfers, "own:<rel>" its own links, "shared:<rel>" other accounts' links
# to the devices, IPs and identities it uses.
FEATURE_EDGES: dict[str, tuple[str, ...]] = {
    "out_count": ("out", "paid"),
    "out_total": ("out", "paid"),
    "mean_amount": ("out", "paid"),
    "max_amount": ("out", "paid"),
    "out_partners": ("out",),
    "in_count": ("in",),
    "in_total": ("in",),
    "in_partners": ("in",),
    "pass_through": ("out", "in"),
    "payments": ("paid",),
    "merchants": ("paid",),
    "small_payment_share": ("paid",),
    "refunds": ("refunded",),
    "devices": ("own:used",),
    "ips": ("own:from_ip",),
    "identities": ("own:has_identity",),
    "device_sharers": ("shared:used",),
    "ip_sharers": ("shared:from_ip",),
    "identity_sharers": ("shared:has_identity",),
}
_LINKS = {"used": "device", "from_ip": "ip", "has_identity": "identity"}


def _select(data: HeteroData, idx: int, which: str) -> list[tuple[tuple, int]]:
    """(edge type, column) of one group of ``FEATURE_EDGES``."""
    if which in ("out", "in"):
        et: tuple = ("account", "transferred", "account")
        hit = data[et].edge_index[0 if which == "out" else 1] == idx
    elif which == "paid":
        et = ("account", "paid", "merchant")
        hit = data[et].edge_index[0] == idx
    elif which == "refunded":
        et = ("merchant", "refunded", "account")
        hit = data[et].edge_index[1] == idx
    else:
        scope, rel = which.split(":")
        et = ("account", rel, _LINKS[rel])
        ei = data[et].edge_index
        mine = ei[0] == idx
        hit = mine if scope == "own" else torch.isin(ei[1], ei[1, mine]) & ~mine
    return [(et, int(c)) for c in torch.nonzero(hit).flatten().tolist()]


def _boost_candidates(data: HeteroData, idx: int, cap: int) -> list[tuple[tuple, int]]:
    """(edge type, column) of the account's own edges, then of edges from other accounts to
    the devices, IPs and identities it shares (at most ``cap`` of each)."""
    own: list[tuple[tuple, int]] = []
    shared: list[tuple[tuple, int]] = []
    for et in data.edge_types:
        s_type, rel, d_type = et
        if rel.startswith("rev_"):
            continue
        ei = data[et].edge_index
        mine = (ei[0] == idx) if s_type == "account" else torch.zeros_like(ei[0], dtype=torch.bool)
        if d_type == "account":
            mine |= ei[1] == idx
        own += [(et, int(c)) for c in torch.nonzero(mine).flatten().tolist()]
        if s_type == "account" and d_type in _SHARED:
            entities = ei[1, ei[0] == idx]
            others = torch.isin(ei[1], entities) & (ei[0] != idx)
            shared += [(et, int(c)) for c in torch.nonzero(others).flatten().tolist()]
    return own[:cap] + shared[:cap]


def _local(data: HeteroData, idx: int) -> HeteroData:
    """``data`` with only the edges account ``idx``'s propagated row reads: its own, and other
    accounts' links to the devices, IPs and identities it uses. Nodes and features are kept, so
    ``propagate(local)[idx] == propagate(data)[idx]`` at a fraction of the cost."""
    local = copy.copy(data)
    for et in data.edge_types:
        s_type, rel, d_type = et
        if rel.startswith("rev_"):
            continue
        ei = data[et].edge_index
        keep = torch.zeros(ei.size(1), dtype=torch.bool)
        if s_type == "account":
            keep |= ei[0] == idx
            if d_type in _SHARED:
                keep |= torch.isin(ei[1], ei[1, ei[0] == idx])
        if d_type == "account":
            keep |= ei[1] == idx
        local[et].edge_index = ei[:, keep]
    return local


def explain_ring_boost(
    model: Any, data: HeteroData, idx: int, top_features: int = 8, top_edges: int = 12
) -> Attribution:
    clfs = getattr(model, "classifiers", [model.clf])
    data = _local(data, idx)
    x = propagate(data)
    row = x[idx].astype(np.float64)
    parts = [tree_contributions(clf, row) for clf in clfs]  # the score: their mean log-odds
    bias = float(np.mean([b for b, _ in parts]))
    contrib = np.mean([c for _, c in parts], axis=0)
    names = propagated_names(data)
    order = np.argsort(-np.abs(contrib), kind="stable")[:top_features]
    features = tuple(
        FeatureWeight(
            name=names[j], value=round(float(row[j]), 6), weight=round(float(contrib[j]), 6)
        )
        for j in order
        if contrib[j] != 0.0
    )
    base = bias + float(contrib.sum())
    weights: dict[tuple[str, str, str], float] = {}
    for j, name in enumerate(data.feature_names["account"]):  # own counts: split over edges
        groups = FEATURE_EDGES.get(name, ())
        edges = [e for g in groups for e in _select(data, idx, g)] if contrib[j] else []
        for et, col in edges:
            ei = data[et].edge_index
            edge = graph_edge(data, et, int(ei[0, col]), int(ei[1, col]))
            if edge is not None:
                weights[edge] = weights.get(edge, 0.0) + float(contrib[j]) / len(edges)
    candidates = _boost_candidates(data, idx, cap=3 * top_edges)
    rows = []
    for et, col in candidates:
        ei = data[et].edge_index
        keep = torch.ones(ei.size(1), dtype=torch.bool)
        keep[col] = False
        data[et].edge_index = ei[:, keep]
        try:
            rows.append(propagate(data)[idx])
        finally:
            data[et].edge_index = ei
    if rows:
        stacked = np.stack(rows)
        occluded = np.mean([clf.decision_function(stacked) for clf in clfs], axis=0)
        for (et, col), logit in zip(candidates, occluded.tolist(), strict=True):
            ei = data[et].edge_index
            edge = graph_edge(data, et, int(ei[0, col]), int(ei[1, col]))
            if edge is not None:
                weights[edge] = weights.get(edge, 0.0) + base - float(logit)
    score = 100.0 / (1.0 + np.exp(-base))
    return Attribution(
        score=round(float(score), 2),
        method="tree path attribution + edge occlusion",
        features=features,
        edges=_top(weights, top_edges),
    )


# ---- RingSAGE ----------------------------------------------------------------------------


def explain_ring_sage(
    model: Any,
    data: HeteroData,
    idx: int,
    top_features: int = 8,
    top_edges: int = 12,
    epochs: int = 100,
    seed: int = 0,
) -> Attribution:
    from torch_geometric.explain import Explainer, GNNExplainer  # imports captum hooks lazily

    net = model.model
    x, edge_index = model._inputs(data)
    # GNNExplainer sizes its masks from each edge type's edges: leave out the empty ones
    # (HeteroConv skips a missing edge type, so the model's output is unchanged)
    edge_index = {et: ei for et, ei in edge_index.items() if ei.numel()}
    explainer = Explainer(
        model=net,
        algorithm=GNNExplainer(epochs=epochs),
        explanation_type="model",
        node_mask_type="attributes",
        edge_mask_type="object",
        # regression on the logit: the masks must keep it where it is. (Binary classification
        # gives no gradient once the sigmoid saturates, and a sure score then explains nothing.)
        model_config={"mode": "regression", "task_level": "node", "return_type": "raw"},
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        explanation = explainer(x, edge_index, index=idx)
    with torch.no_grad():
        net.eval()
        score = float(torch.sigmoid(net(x, edge_index)[idx])) * 100.0
    mask = explanation["account"].node_mask[idx].detach().cpu().numpy()
    raw = data["account"].x[idx].numpy()
    names = data.feature_names["account"]
    order = np.argsort(-mask, kind="stable")[:top_features]
    features = tuple(
        FeatureWeight(name=names[j], value=round(float(raw[j]), 6), weight=round(float(mask[j]), 6))
        for j in order
        if mask[j] > 0
    )
    weights: dict[tuple[str, str, str], float] = {}
    for et, edge_mask in explanation.edge_mask_dict.items():
        ei = edge_index[et]
        for col in torch.nonzero(edge_mask > 0).flatten().tolist():
            edge = graph_edge(data, et, int(ei[0, col]), int(ei[1, col]))
            if edge is not None:
                weights[edge] = weights.get(edge, 0.0) + float(edge_mask[col])
    return Attribution(
        score=round(score, 2),
        method=f"GNNExplainer ({epochs} epochs)",
        features=features,
        edges=_top(weights, top_edges),
    )


def explain_index(model: Any, data: HeteroData, idx: int, epochs: int = 100) -> Attribution:
    """The attribution for account ``idx`` of ``data`` with the method that fits the model.

    Runs on one thread: a piece is small, and OpenMP's per-call start-up across threads (each
    of RingBoost's 300 trees predicts in its own parallel region) costs more than the work.
    """
    kind = getattr(model, "kind", "")
    if kind not in ("ring_sage", "ring_boost"):
        raise ValueError(f"no explanation method for model kind {kind!r}")
    with threadpool_limits(limits=1):
        if kind == "ring_sage":
            return explain_ring_sage(model, data, idx, epochs=epochs)
        return explain_ring_boost(model, data, idx)


def explain_account(
    model: Any, data: HeteroData, account_id: str, epochs: int = 100
) -> Attribution:
    """The attribution for one account of ``data`` (a piece or a whole export)."""
    return explain_index(model, data, data["account"].ids.index(account_id), epochs)
