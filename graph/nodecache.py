"""A writer's cache of internal node ids, and of the link edges it knows exist.

The append path addresses nodes by internal id (a lookup per node is the cost of a naive build),
so each writer keeps the ids it has looked up or created, by label and event id, and the link
edges (internal id pairs) it has written, which it need not send again. Ids stay valid while the
graph does: the cache is forgotten when the graph may have been replaced (deleted, restored, the
server back from its AOF) and when it grows past its limit; ``generation`` counts the times, so
rows mapped from it earlier can tell (graph.writeparams.Premapped).
"""

from __future__ import annotations

from typing import Any

from graph.batch import IDENTITY_EDGES, LINK_EDGES, NODE_LABELS, BatchPlan

_LIMIT = 5_000_000  # ids (and, separately, known links of one type) held at most
NODE_CHUNK = 10_000  # ids a lookup or CREATE query takes


class NodeCache:
    """One writer's ids and known links (see the module docstring)."""

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, int]] = {label: {} for label in NODE_LABELS}
        self.links: dict[str, set[tuple[int, int]]] = {
            name: set() for name in (*LINK_EDGES, *IDENTITY_EDGES)
        }
        self.generation = 0

    def forget(self) -> None:
        self.generation += 1
        for cache in self.ids.values():
            cache.clear()
        for links in self.links.values():
            links.clear()

    def uncached(self, plan: BatchPlan) -> list[tuple[str, list[str]]]:
        """``(label, ids)`` of the plan's nodes whose internal ids are not cached, in chunks;
        addresses are left out (the sightings hash comes first for them: graph/ipsightings.py)."""
        if sum(len(c) for c in self.ids.values()) > _LIMIT:
            self.forget()
        return [
            (label, chunk)
            for label in NODE_LABELS
            if label != "IP"
            for chunk in chunks([k for k in plan.nodes[label] if k not in self.ids[label]])
        ]

    def uncached_ips(self, plan: BatchPlan) -> list[str]:
        cache = self.ids["IP"]
        return [ip for ip in plan.nodes["IP"] if ip not in cache]

    def found(self, label: str, asked: list[str], ids: dict[str, int]) -> list[str]:
        """Cache the ``ids`` a lookup of ``asked`` found; those it did not find."""
        self.ids[label].update(ids)
        return [k for k in asked if k not in ids]

    def remember_links(self, params: dict[str, Any]) -> None:
        """Add the links a write made (its ``<link>`` and ``<link>_new`` rows)."""
        for name, known in self.links.items():
            if len(known) > _LIMIT:
                known.clear()
            known.update((row[0], row[1]) for row in params[name])
            known.update((row[0], row[1]) for row in params.get(f"{name}_new", ()))


def chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + NODE_CHUNK] for i in range(0, len(values), NODE_CHUNK)]
