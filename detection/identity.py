"""Stable ring identity: match this run's rings to stored ones by member overlap.

A new ring takes the id of the stored ring it overlaps most (Jaccard >= 0.3 or containment
>= 0.6). When several new rings claim one stored ring it was split; when one new ring covers
several stored rings they merged. Only a new ring or a material change raises an alert.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from detection.scoring import Ring

MATERIAL_SCORE = 10.0


@dataclass(frozen=True)
class StoredRing:
    id: str
    score: float
    version: int
    created_at: int
    verdict: str | None
    members: frozenset[str]


@dataclass
class RingChange:
    ring_id: str
    change: str  # new grown shrunk merged split rescored unchanged
    version: int
    members: frozenset[str]
    ring: Ring | None  # None: a stored ring that nothing matched any more
    added: frozenset[str] = field(default_factory=frozenset)
    removed: frozenset[str] = field(default_factory=frozenset)
    material: bool = False


def _similar(a: frozenset[str], b: frozenset[str]) -> float:
    inter = len(a & b)
    if not inter:
        return 0.0
    jaccard, contain = inter / len(a | b), inter / min(len(a), len(b))
    return inter if jaccard >= 0.3 or contain >= 0.6 else 0.0


def ring_id_for(members: frozenset[str], taken: set[str]) -> str:
    digest = hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()
    for n in range(6, len(digest)):
        if (rid := f"ring-{digest[: n + 6]}") not in taken:
            return rid
    raise AssertionError("sha1 prefixes exhausted")  # pragma: no cover


def _changed(old: StoredRing, members: frozenset[str], ring: Ring, kind: str | None) -> RingChange:
    added, removed = members - old.members, old.members - members
    moved = len(added) + len(removed)
    if kind is None:
        if moved:
            kind = "grown" if len(members) >= len(old.members) and added else "shrunk"
        elif abs(ring.score - old.score) >= MATERIAL_SCORE:
            kind = "rescored"
        else:
            kind = "unchanged"
    material = (
        kind in ("merged", "split", "rescored")
        or (kind in ("grown", "shrunk") and moved >= max(2, 0.2 * len(old.members)))
        or abs(ring.score - old.score) >= MATERIAL_SCORE
    )
    version = old.version if kind == "unchanged" else old.version + 1
    return RingChange(old.id, kind, version, members, ring, added, removed, material)


def match_rings(new: list[tuple[Ring, frozenset[str]]], old: list[StoredRing]) -> list[RingChange]:
    """One change per new ring, plus a ``shrunk`` to nothing for each stored ring left unmatched."""
    taken = {o.id for o in old}
    claimed: dict[str, int] = {}  # stored ring id -> members it shares with its heir
    out: list[RingChange] = []
    exact = {o.members: o for o in old}
    rest = []
    for ring, members in new:  # unchanged rings keep their ids before any overlap is weighed
        o = exact.get(members)
        if o is not None and o.id not in claimed:
            claimed[o.id] = len(members)
            out.append(_changed(o, members, ring, None))
        else:
            rest.append((ring, members))
    for ring, members in sorted(rest, key=lambda x: (-len(x[1]), sorted(x[1]))):
        matches = sorted(((_similar(members, o.members), o) for o in old), key=lambda x: -x[0])
        matches = [(s, o) for s, o in matches if s > 0]
        heir = next(((s, o) for s, o in matches if o.id not in claimed), None)
        if heir is None:
            kind = "split" if matches else "new"
            rid = ring_id_for(members, taken)
            taken.add(rid)
            out.append(RingChange(rid, kind, 1, members, ring, members, frozenset(), True))
            continue
        claimed[heir[1].id] = int(heir[0])
        others = [o for _, o in matches if o.id != heir[1].id and o.id not in claimed]
        for o in others:
            claimed[o.id] = 0
        out.append(_changed(heir[1], members, ring, "merged" if others else None))
    for o in old:
        absorbed = claimed.get(o.id) == 0
        if (o.id not in claimed or absorbed) and o.members and o.verdict is None:
            kind = "merged" if absorbed else "shrunk"
            out.append(
                RingChange(
                    o.id, kind, o.version + 1, frozenset(), None, removed=o.members, material=False
                )
            )
    return out
