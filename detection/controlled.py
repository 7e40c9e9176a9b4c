"""Controlled accounts: one device working three or more accounts that live at three or more
different addresses. A household shares a tablet at one address; a mule herder's phone logs
into recruits everywhere. Only known addresses count (an account event without an address says
nothing), and devices used by very many accounts (a shop's terminal) are ignored."""

from __future__ import annotations

import numpy as np

from detection.snapshot import Candidate, Snapshot

MIN_ACCOUNTS = 3
MIN_PLACES = 3


def find_controlled_devices(snap: Snapshot, hub: int, max_size: int) -> list[Candidate]:
    if snap.ident_kind.size == 0 or snap.link_acc.size == 0:
        return []
    kind = snap.ident_kind[snap.link_ident]
    is_addr = kind == "a-"
    address = np.full(snap.n_accounts, -1, np.int64)
    address[snap.link_acc[is_addr]] = snap.link_ident[is_addr]
    counts = snap.ident_accounts[snap.link_ident]
    dev = (kind == "d:") & (counts >= MIN_ACCOUNTS) & (counts <= min(hub, max_size))
    accs, devs = snap.link_acc[dev], snap.link_ident[dev]
    order = np.argsort(devs, kind="stable")
    accs, devs = accs[order], devs[order]
    bounds = np.flatnonzero(np.diff(devs)) + 1
    out: list[Candidate] = []
    for group, d in zip(np.split(accs, bounds), np.split(devs, bounds), strict=True):
        places = np.unique(address[group][address[group] >= 0])
        if group.size < MIN_ACCOUNTS or places.size < MIN_PLACES:
            continue
        name = snap.ident_name(int(d[0]))[2:]
        reason = f"device {name} works {group.size} accounts at {places.size} different addresses"
        roles = {int(a): "controlled" for a in group}
        out.append(Candidate(frozenset(roles), "controlled_device", 30.0, [reason], roles))
    return out
