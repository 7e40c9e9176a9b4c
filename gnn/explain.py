"""Why an account scored high: the features, neighbours and edges behind its score.

Returned as plain dicts the API and UI can draw: ``{"account", "score", "features":
[{name, value, effect}], "neighbours": [{type, id, weight}], "edges": [{source, target, type}]}``.
Feature effects are occlusion deltas (the score with the feature set to the graph's median,
subtracted from the real score); neighbour weights are gradient magnitudes for RingSAGE and
share counts for RingBoost.
"""

from __future__ import annotations

from typing import Any

from torch_geometric.data import HeteroData

from gnn.export import NODE_TYPES

_LINKS = (
    ("used", "device"),
    ("from_ip", "ip"),
    ("has_identity", "identity"),
    ("paid", "merchant"),
    ("transferred", "account"),
)


def feature_effects(model: Any, data: HeteroData, idx: int, top: int = 8) -> list[dict]:
    x = data["account"].x
    base = float(model.predict_proba(data)[idx])
    median = x.median(dim=0).values
    effects = []
    for j, name in enumerate(data.feature_names["account"]):
        saved = x[idx, j].item()
        x[idx, j] = median[j]
        effects.append(
            {
                "name": name,
                "value": round(saved, 4),
                "effect": round(base - float(model.predict_proba(data)[idx]), 4),
            }
        )
        x[idx, j] = saved
    return sorted(effects, key=lambda e: -abs(e["effect"]))[:top]


def _neighbours(data: HeteroData, idx: int) -> tuple[list[dict], list[dict]]:
    acc = data["account"].ids
    nodes, edges = [], []
    for rel, dst in _LINKS:
        ei = data["account", rel, dst].edge_index
        for d in ei[1, ei[0] == idx].tolist():
            target = acc[d] if dst == "account" else f"{dst}:{d}"
            sharers = int((data["account", rel, dst].edge_index[1] == d).sum())
            nodes.append({"type": dst, "id": target, "weight": float(sharers)})
            edges.append({"source": acc[idx], "target": target, "type": rel.upper()})
    return nodes, edges


def _gradient_weights(model: Any, data: HeteroData, idx: int, nodes: list[dict]) -> None:
    net = model.model
    x, ei = model._inputs(data)
    x = {t: v.clone().requires_grad_(True) for t, v in x.items()}
    net.eval()
    net(x, ei)[idx].backward()
    for node in nodes:
        t = node["type"]
        i = (
            data["account"].ids.index(node["id"])
            if t == "account"
            else int(node["id"].split(":")[1])
        )
        node["weight"] = round(float(x[t].grad[i].abs().sum()), 6)


def explain_account(model: Any, data: HeteroData, account_id: str) -> dict[str, Any]:
    """Features, neighbours and edges behind one account's score."""
    idx = data["account"].ids.index(account_id)
    score = float(model.predict_proba(data)[idx]) * 100
    nodes, edges = _neighbours(data, idx)
    if getattr(model, "kind", "") == "ring_sage":
        _gradient_weights(model, data, idx, nodes)
    nodes.sort(key=lambda n: -n["weight"])
    return {
        "account": account_id,
        "score": round(score, 2),
        "features": feature_effects(model, data, idx),
        "neighbours": nodes[:20],
        "edges": edges[:50],
        "node_types": list(NODE_TYPES),
    }
