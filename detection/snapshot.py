"""What every detector reads: the edge-log columns plus derived per-account figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from detection.edgelog import TRANSFER, WITHDRAWAL, EdgeLogState

DAY_MS = 86_400_000


@dataclass
class Candidate:
    """A suspected ring from one detector, before merging and scoring.

    ``points`` is the detector's own evidence (0-100) and ``reasons`` say why in words.
    """

    members: frozenset[int]
    typology: str
    points: float
    reasons: list[str] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)
    amount: float = 0.0  # money the pattern moved, for weighing it against ordinary transfers
    # accounts that paid into the ring (or were paid once) without acting for it: not members
    victims: frozenset[int] = frozenset()


@dataclass
class Snapshot:
    state: EdgeLogState
    now_ms: int
    opened: np.ndarray  # per account, ms
    # transfers only, sorted by (src, ts)
    t_src: np.ndarray
    t_dst: np.ndarray
    t_ts: np.ndarray
    t_amt: np.ndarray
    # (account, ident) links from devices, IPs and identity attributes, unique, sorted by account
    link_acc: np.ndarray
    link_ident: np.ndarray
    link_ptr: np.ndarray  # account a's links are link_ident[link_ptr[a]:link_ptr[a + 1]]
    ident_accounts: np.ndarray  # per ident, distinct accounts using it
    ident_strong: np.ndarray  # per ident: a device or identity attribute, not an IP
    out_total: np.ndarray
    in_total: np.ndarray
    out_degree: np.ndarray  # distinct receivers
    in_degree: np.ndarray
    tx_count: np.ndarray  # every transaction an account sent
    cash_out: np.ndarray  # withdrawals per account
    scale: float  # median transfer amount: what an ordinary transfer looks like in this data
    t_first: int  # earliest transaction, ms
    first_seen: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # first tx, ms
    ident_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, "U2"))  # "d:", "a-", ...
    opened_known: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # opened_at given

    @property
    def n_accounts(self) -> int:
        return len(self.state.accounts)

    def account_id(self, i: int) -> str:
        return self.state.accounts.names[i]

    def ident_name(self, i: int) -> str:
        return self.state.idents.names[i]

    def significance(self, amount: float, members: int) -> float:
        """0..1: how far the money per member exceeds an ordinary transfer (x1 -> 0, x100 -> 1)."""
        ratio = amount / max(members, 1) / self.scale
        return float(np.clip(np.log10(max(ratio, 1e-9)) / 2, 0.0, 1.0))

    def new_accounts(self, members: np.ndarray, new_days: int) -> np.ndarray:
        """Whether each account was new when it became active: opened at most ``new_days``
        before its first transaction (where the account event said when it was opened), else
        first seen in the last ``new_days`` and not at the very start of the data."""
        opened, first = self.opened[members], self.first_seen[members]
        known = self.opened_known[members]
        fresh = first - opened <= new_days * DAY_MS  # opened after first seen: new too
        seen_late = (self.now_ms - first <= new_days * DAY_MS) & (
            first - self.t_first >= 2 * DAY_MS
        )
        return np.asarray(np.where(known, fresh, seen_late))

    def age_days(self, members: np.ndarray) -> np.ndarray:
        return np.asarray((self.now_ms - self.opened[members]) / DAY_MS)

    def links_of(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(account, ident)`` links of the given accounts, read through ``link_ptr``."""
        lo, hi = self.link_ptr[members], self.link_ptr[members + 1]
        width = hi - lo
        idx = np.repeat(lo - np.cumsum(width) + width, width) + np.arange(int(width.sum()))
        return self.link_acc[idx], self.link_ident[idx]


def _distinct_degree(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    if a.size == 0:
        return np.zeros(n, np.int64)
    pairs = np.unique(a.astype(np.int64) * (n + 1) + b)
    return np.bincount(pairs // (n + 1), minlength=n)


def _strong(names: list[str]) -> np.ndarray:
    return np.fromiter((not n.startswith("i:") for n in names), bool, len(names))


def build_snapshot(state: EdgeLogState) -> Snapshot:
    c, n = state.cols, len(state.accounts)
    now = int(c["ts"].max()) if state.n_tx else 0
    tr, wd = c["kind"] == TRANSFER, c["kind"] == WITHDRAWAL
    order = np.lexsort((c["ts"][tr], c["src"][tr]))
    t_src, t_dst = c["src"][tr][order], c["dst"][tr][order]
    t_ts, t_amt = c["ts"][tr][order], c["amount"][tr][order]
    acc_parts, id_parts = [], []
    for col in ("device", "ip"):
        has = c[col] >= 0
        acc_parts.append(c["src"][has])
        id_parts.append(c[col][has])
    if state.identity:
        ident = np.asarray(state.identity, np.int64)
        acc_parts.append(ident[:, 0])
        id_parts.append(ident[:, 1])
    n_id = max(len(state.idents), 1)
    keys = np.unique(np.concatenate(acc_parts).astype(np.int64) * n_id + np.concatenate(id_parts))
    link_acc, link_ident = keys // n_id, keys % n_id
    return Snapshot(
        state=state,
        now_ms=now,
        opened=state.opened_at(),
        t_src=t_src,
        t_dst=t_dst,
        t_ts=t_ts,
        t_amt=t_amt,
        link_acc=link_acc,
        link_ident=link_ident,
        link_ptr=np.searchsorted(link_acc, np.arange(n + 1)),
        ident_accounts=np.bincount(link_ident, minlength=len(state.idents)),
        ident_strong=_strong(state.idents.names),
        out_total=np.bincount(t_src, t_amt, minlength=n),
        in_total=np.bincount(t_dst, t_amt, minlength=n),
        out_degree=_distinct_degree(t_src, t_dst, n),
        in_degree=_distinct_degree(t_dst, t_src, n),
        tx_count=np.bincount(c["src"], minlength=n),
        cash_out=np.bincount(c["src"][wd], c["amount"][wd], minlength=n),
        scale=max(float(np.median(t_amt)) if t_amt.size else 1.0, 1.0),
        t_first=int(c["ts"].min()) if state.n_tx else 0,
        first_seen=_first_seen(state),
        opened_known=_opened_known(state),
        ident_kind=np.asarray([n[:2] for n in state.idents.names], "U2"),
    )


def _first_seen(state: EdgeLogState) -> np.ndarray:
    c = state.cols
    first = np.full(len(state.accounts), np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, c["src"], c["ts"])
    tr = c["kind"] == TRANSFER
    np.minimum.at(first, c["dst"][tr], c["ts"][tr])
    return first


def _opened_known(state: EdgeLogState) -> np.ndarray:
    known = np.zeros(len(state.accounts), bool)
    if state.opened:
        known[np.fromiter(state.opened.keys(), np.int64, len(state.opened))] = True
    return known
