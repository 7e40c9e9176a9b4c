"""What the GNN reads from and writes to the graph besides the edge log: verdict labels and
account risk scores (``cypher/gnn_*.cypher``)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from graph.cypher import load_query


def verdict_rows(graph: Any) -> Iterator[tuple[str, str, int | None]]:
    """``(account_id, verdict, at)`` from ring verdicts (members only) then account verdicts.

    Account verdicts come last so that, read in order, they win over their rings'.
    """
    for name in ("gnn_ring_verdicts", "gnn_account_verdicts"):
        rows = graph.ro_query(load_query(name)).result_set
        for account_id, verdict, at in sorted(rows, key=lambda r: r[2] or 0):
            yield str(account_id), str(verdict), at


RISK_HISTORY_KEEP = 30  # entries of Account.risk_history kept per account


def set_account_scores(
    graph: Any,
    scores: Mapping[str, float],
    version: str,
    batch: int = 1000,
    at_ms: int | None = None,
) -> int:
    """Set ``risk_score`` and ``model_version`` on Account nodes in short batches; a changed
    score or model also goes on the account's bounded ``risk_history``, stamped ``at_ms``
    (default now)."""
    query, items, written = load_query("gnn_set_account_scores"), list(scores.items()), 0
    at = int(time.time() * 1000) if at_ms is None else at_ms
    for start in range(0, len(items), batch):
        rows = [[a, float(s)] for a, s in items[start : start + batch]]
        params = {"rows": rows, "version": version, "at": at, "keep": RISK_HISTORY_KEEP}
        result = graph.query(query, params).result_set
        written += int(result[0][0]) if result else 0
    return written
