"""Merge overlapping candidates and score rings 0-100 with reasons an investigator can read.

A ring's score starts from its strongest detector's evidence and adds what makes look-alikes
differ from rings: new accounts, identifiers shared by members only, money passing straight
through, more than one typology, and the GNN's member scores when present. Households, payroll,
popular merchants and families are old accounts without pass-through flow, so they stay low.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from detection.snapshot import DAY_MS, Candidate, Snapshot

NEW_DAYS = 30
FLOW = frozenset(
    {
        "cycle",
        "scatter_gather",
        "fan_in",
        "gather_scatter",
        "fan_out",
        "device_takeover",
        "structuring",
        "fan_in_tranches",
        "fan_out_tranches",
        "equal_split",
        "layered_scatter_gather",
        "fresh_fan_out",
        "bipartite",
        "stack",
        "fresh_loop",
    }
)
# Money that comes back round to where it started, or that every receiver passes on at once, is
# ring behaviour whatever the accounts' age.
LOOPS = frozenset(
    {"cycle", "same_sum_loop", "fan_out", "fan_in_tranches", "fan_out_tranches", "equal_split"}
)
# Behaviour no family or club shows whatever the sums: money round a loop of 3+ accounts, and
# several fresh accounts paid (or paying) in tranches within days, then never again; gathered
# money paid out in equal shares to the cent; a split over three or more accounts that each
# pass about what they got to one sink within a week (layered_scatter_gather).
CAMO = frozenset(
    {
        "cycle",
        "fan_in_tranches",
        "fan_out_tranches",
        "equal_split",
        "layered_scatter_gather",
        "fresh_fan_out",
        "bipartite",
        "stack",
        "fresh_loop",
    }
)
# Typologies whose own evidence is specific: old accounts do not make them look legit.
BEHAVIOUR = frozenset(
    {"card_testing", "refund_abuse", "device_takeover", "structuring", "controlled_device"}
)


@dataclass
class Ring:
    members: frozenset[int]
    typologies: list[str]
    points: float
    reasons: list[str]
    roles: dict[int, str] = field(default_factory=dict)
    score: float = 0.0
    evidence: dict[str, float] = field(default_factory=dict)
    member_risk: dict[int, float] = field(default_factory=dict)
    amount: float = 0.0
    victims: frozenset[int] = frozenset()  # paid in (or were paid) without acting for the ring


def _overlaps(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether candidate ``b`` describes ring ``a``."""
    inter = len(a & b)
    small, big = sorted((len(a), len(b)))
    inside = inter >= 0.8 * len(
        b
    )  # the candidate adds little to the ring: same ring, more evidence
    return inside or inter >= 0.5 * len(a | b) or (inter >= 0.8 * small and big <= 2 * small)


def merge_candidates(cands: list[Candidate], max_size: int = 60) -> list[Ring]:
    """Greedy: strongest first, each candidate joins the first ring it overlaps enough.

    An index from account to the rings holding it limits the overlap tests to rings that share
    a member; the result is the same as testing every ring in order."""
    rings: list[Ring] = []
    holding: dict[int, list[int]] = {}  # account -> indices of the rings that hold it
    for c in sorted(cands, key=lambda c: (-c.points, sorted(c.members))):
        near = sorted({i for m in c.members for i in holding.get(m, ())})
        target = next((i for i in near if _overlaps(rings[i].members, c.members)), None)
        if target is None:
            target = len(rings)
            rings.append(
                Ring(
                    frozenset(),
                    [c.typology],
                    c.points,
                    list(c.reasons),
                    dict(c.roles),
                    amount=c.amount,
                )
            )
        else:
            _absorb(rings[target], c)
        for m in c.members - rings[target].members:
            holding.setdefault(m, []).append(target)
        rings[target].members = rings[target].members | c.members
        rings[target].victims = rings[target].victims | c.victims
    rings = _coalesce(rings, max_size)
    for r in rings:  # an account that acts for the ring anywhere is a member, not a victim
        r.victims = r.victims - r.members
    return rings


def _coalesce(rings: list[Ring], max_size: int) -> list[Ring]:
    """Merge fragments of one ring (a fan-in at each leg of a cycle) that the greedy pass kept
    apart into the stronger ring, judging overlap on what each ring's own candidates found."""
    alive = [True] * len(rings)
    core = [r.members for r in rings]  # overlap is judged on what each ring found itself:
    changed = True  # absorbing must not snowball across a dense background
    while changed:
        changed = False
        holding: dict[int, list[int]] = {}
        for i, r in enumerate(rings):
            if alive[i]:
                for m in r.members:
                    holding.setdefault(m, []).append(i)
        for i, r in enumerate(rings):
            if not alive[i]:
                continue
            for j in sorted({j for m in r.members for j in holding.get(m, ()) if j > i}):
                if (
                    alive[j]
                    and len(r.members | rings[j].members) <= max_size
                    and (_fragment(core[i], core[j]) or _same_collection(r, rings[j]))
                ):
                    _absorb_ring(r, rings[j])
                    alive[j], changed = False, True
    return [r for r, keep in zip(rings, alive, strict=True) if keep]


def _fragment(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether the weaker ring ``b`` is mostly part of ring ``a`` (most of it, and at least 3
    accounts); a strong small ring inside a weak big one stays as it is."""
    inter = len(a & b)
    return inter >= 3 and inter >= 0.6 * len(b) or _overlaps(a, b)


def _same_collection(a: Ring, b: Ring) -> bool:
    """Two mules fed by victims that pass the money to a shared account are one operation."""
    if len(a.victims) < 3 or len(b.victims) < 3:
        return False
    shared = a.members & b.members
    return any(a.roles.get(m) == b.roles.get(m) == "receiver" for m in shared)


def _absorb_ring(r: Ring, other: Ring) -> None:
    for t in other.typologies:
        if t not in r.typologies:
            r.typologies.append(t)
            r.points += 8.0 if t != "shared_identifier" else 0.0
    r.reasons.extend(x for x in other.reasons if x not in r.reasons)
    r.roles = {**other.roles, **r.roles}
    r.amount = max(r.amount, other.amount)
    r.members = r.members | other.members
    r.victims = r.victims | other.victims


def _absorb(r: Ring, c: Candidate) -> None:
    if c.typology not in r.typologies:
        r.typologies.append(c.typology)
        # shared identifiers are weighed in score_ring; do not count them twice
        r.points += 8.0 if c.typology != "shared_identifier" else 0.0
    r.reasons.extend(x for x in c.reasons if x not in r.reasons)
    r.roles = {**c.roles, **r.roles}
    r.amount = max(r.amount, c.amount)


def _shared_strong(snap: Snapshot, members: np.ndarray, hub: int) -> tuple[float, float]:
    """Share of members tied by a non-IP identifier, and how exclusive those identifiers are."""
    accs, links = snap.links_of(members)
    idents, inverse, counts = np.unique(links, return_inverse=True, return_counts=True)
    ok = (counts >= 2) & snap.ident_strong[idents] & (snap.ident_accounts[idents] <= hub)
    if not ok.any():
        return 0.0, 0.0
    tied = np.unique(accs[ok[inverse]])
    exclusive = float(np.mean(counts[ok] / snap.ident_accounts[idents[ok]]))
    return tied.size / members.size, exclusive


def _controlled(snap: Snapshot, members: np.ndarray, hub: int) -> float:
    """Share of members on a device that 3+ members use from 3+ different addresses: one
    person working many accounts (a household shares a tablet at one address)."""
    if snap.ident_kind.size == 0:
        return 0.0
    accs, links = snap.links_of(members)
    kind = snap.ident_kind[links]
    address = dict(zip(accs[kind == "a-"].tolist(), links[kind == "a-"].tolist(), strict=False))
    dev = (kind == "d:") & (snap.ident_accounts[links] <= hub)
    on: set[int] = set()
    for d in np.unique(links[dev]).tolist():
        users = accs[dev & (links == d)].tolist()
        places = {address[a] for a in users if a in address}  # unknown addresses say nothing
        if len(users) >= 3 and len(places) >= 3:
            on.update(users)
    return len(on) / members.size


def score_ring(ring: Ring, snap: Snapshot, hub: int, risk: dict[int, float]) -> None:
    members = np.fromiter(ring.members, np.int64)
    opened = snap.opened[members]
    new = snap.new_accounts(members, NEW_DAYS)
    new_frac = float(new.mean())
    tied, exclusive = _shared_strong(snap, members, hub)
    controlled = _controlled(snap, members, hub)
    inflow = snap.in_total[members]
    outflow = snap.out_total[members] + snap.cash_out[members]
    passing = float(np.mean((inflow > 0) & (outflow >= 0.8 * inflow) & (outflow <= 1.25 * inflow)))
    known = sorted((risk[m] for m in ring.members if m in risk), reverse=True)
    mean_risk = float(np.mean(known)) if known else None
    # the riskier half: a ring where half the members score high ranks up even if the rest
    # were never scored high (recruited accounts with long ordinary history)
    top_risk = float(np.mean(known[: max(1, (len(known) + 1) // 2)])) if known else None
    # Old accounts sharing an address or tablet are usually a household; new ones, a fabrication.
    shared = 18 * tied * exclusive * min(1.0, members.size / 4) * (0.4 + 0.6 * new_frac)
    score = ring.points + 22 * new_frac + shared + 30 * controlled
    score += 10 * passing
    kinds = set(ring.typologies)
    sig = snap.significance(ring.amount, members.size) if kinds & FLOW else 0.0
    if kinds & FLOW:
        score += 16 * sig - 8  # sums like everyday transfers are what families send
    if mean_risk is not None and top_risk is not None:
        score += 15 * (mean_risk / 100) + 10 * (top_risk / 100) - 8
    ordinary = sig < 0.35 if kinds & FLOW else passing < 0.6
    # money that went round 3+ accounts and came back, shrinking by a fee at each hop, is no
    # family's back and forth, however everyday the sums
    camo = bool(kinds & CAMO)
    if ordinary and not (kinds & BEHAVIOUR or camo):
        # old accounts moving everyday sums: households, families, payroll; weighed by the
        # share of established members, so one new account does not cancel it (accounts worked
        # from one device across households are no household)
        score -= 15 * (1 - new_frac) * (1 - controlled)
    if not (kinds & (BEHAVIOUR | LOOPS) or camo):
        # established members with no identifier shared among them and no money passing
        # through: only the shape says ring (rent, dues, small businesses); a camouflaged ring
        # still shows one of them
        score -= 15 * (1 - new_frac) * (1 - max(tied, controlled)) * (1 - passing)
    ring.score = round(float(np.clip(score, 0, 100)), 1)
    ring.evidence = {
        "size": float(members.size),
        "new_accounts": round(new_frac, 3),
        "shared_identifier": round(tied, 3),
        "exclusive_identifier": round(exclusive, 3),
        "controlled_device": round(controlled, 3),
        "pass_through": round(passing, 3),
        "amount_significance": round(sig, 3),
        "mean_model_risk": round(mean_risk or 0.0, 1),
        "top_model_risk": round(top_risk or 0.0, 1),
        "model_scored_members": float(len(known)),
        "victims": float(len(ring.victims)),
    }
    ring.member_risk = {m: risk.get(m, ring.score) for m in ring.members}
    _add_reasons(ring, int(new.sum()), opened[new], snap.now_ms, mean_risk, top_risk)
    if controlled:
        ring.reasons.append(
            f"{round(controlled * members.size)} accounts at different addresses "
            "are worked from the same device"
        )


def _add_reasons(
    ring: Ring,
    n_new: int,
    new_opened: np.ndarray,
    now_ms: int,
    mean_risk: float | None,
    top_risk: float | None,
) -> None:
    if n_new:
        days = max(1, int(np.ceil((now_ms - new_opened.min()) / DAY_MS)))
        ring.reasons.append(
            f"{n_new} of {len(ring.members)} accounts opened in the last {days} days"
        )
    if mean_risk is not None:
        ring.reasons.append(
            f"members' mean model risk is {mean_risk:.0f}/100"
            f" (riskier half {top_risk or 0:.0f}/100)"
        )
