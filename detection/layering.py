"""Scatter-gather layering: one source splits money over several intermediaries that each pass
it on, within the window, to the same sink."""

from __future__ import annotations

import numpy as np

from detection.snapshot import Candidate, Snapshot


def find_scatter_gather(
    snap: Snapshot,
    links: tuple[np.ndarray, np.ndarray],
    min_middle: int = 2,
    typology: str = "scatter_gather",
) -> list[Candidate]:
    i, j = links
    src, mid, dst = snap.t_src[i], snap.t_dst[i], snap.t_dst[j]
    keep = src != dst
    groups: dict[tuple[int, int], set[int]] = {}
    amounts: dict[tuple[int, int], float] = {}
    for s, m, t, a in zip(
        src[keep].tolist(),
        mid[keep].tolist(),
        dst[keep].tolist(),
        snap.t_amt[j][keep].tolist(),
        strict=True,
    ):
        groups.setdefault((s, t), set()).add(m)
        amounts[(s, t)] = amounts.get((s, t), 0.0) + a
    out: list[Candidate] = []
    for (s, t), middles in groups.items():
        if len(middles) < min_middle:
            continue
        roles = {m: "layer" for m in middles} | {s: "source", t: "sink"}
        reason = (
            f"{snap.account_id(s)} split {amounts[(s, t)]:,.0f} over {len(middles)} accounts "
            f"that all passed it to {snap.account_id(t)}"
        )
        out.append(
            Candidate(
                frozenset(roles),
                typology,
                35.0 + 3.0 * min(len(middles), 5),
                [reason],
                roles,
                amount=amounts[(s, t)],
            )
        )
    return out
