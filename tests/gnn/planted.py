"""A small planted graph in edge-log rows: legit accounts and fraud rings, half of them labelled."""

from __future__ import annotations

import random
from typing import Any

DAY = 86_400_000
T0 = 1_700_000_000_000


def planted_rows(
    legit: int = 240, rings: int = 8, size: int = 6, seed: int = 0
) -> tuple[list[list[Any]], set[str], set[str]]:
    """Rows, members of labelled rings, members of unlabelled rings."""
    rnd = random.Random(seed)
    rows: list[list[Any]] = []
    n = 0

    def tx(
        ts: int,
        kind: str,
        amount: float,
        acc: str,
        recv: str | None,
        dev: str,
        ip: str,
        label: str | None,
    ) -> None:
        nonlocal n
        n += 1
        rows.append(["t", f"tx{n}", ts, kind, amount, acc, recv, dev, ip, None, "US", label])

    for i in range(legit):
        acc, dev, ip = f"L{i}", f"d-L{i}", f"ip-L{i // 2}"
        rows.append(["a", acc, T0 - rnd.randint(200, 900) * DAY, f"p-L{i}", None, None])
        for _ in range(rnd.randint(3, 9)):
            ts = T0 + rnd.randint(0, 60) * DAY
            tx(
                ts,
                "payment",
                round(rnd.lognormvariate(3.5, 1), 2),
                acc,
                f"m{rnd.randint(0, 30)}",
                dev,
                ip,
                "legit" if rnd.random() < 0.5 else None,
            )
        if rnd.random() < 0.3:
            tx(
                T0 + rnd.randint(0, 60) * DAY,
                "transfer",
                50.0,
                acc,
                f"L{rnd.randint(0, legit - 1)}",
                dev,
                ip,
                None,
            )
    labelled, unlabelled = set(), set()
    for r in range(rings):
        members = [f"R{r}-{k}" for k in range(size)]
        is_labelled = r % 2 == 0
        (labelled if is_labelled else unlabelled).update(members)
        devs, phone = [f"d-R{r}-{j}" for j in range(2)], f"p-R{r}"
        start = T0 + rnd.randint(20, 50) * DAY
        for k, acc in enumerate(members):
            rows.append(["a", acc, start - rnd.randint(1, 5) * DAY, phone, None, None])
            dev = devs[k % 2]
            label = "fraud" if is_labelled else None
            tx(
                start + k * 3_600_000,
                "transfer",
                900.0 + k,
                acc,
                members[(k + 1) % size],
                dev,
                f"ip-R{r}",
                label,
            )
            for _ in range(rnd.randint(2, 5)):
                tx(
                    start + rnd.randint(0, 3 * DAY),
                    "payment",
                    round(rnd.uniform(1, 4), 2),
                    acc,
                    f"m{rnd.randint(0, 30)}",
                    dev,
                    f"ip-R{r}",
                    label,
                )
    return rows, labelled, unlabelled
