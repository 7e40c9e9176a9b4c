"""``python -m ingest.amlgen OUTDIR [--seed N] [--camouflage] ...``: write one data set."""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

from ingest.amlgen.config import Camouflage, GenConfig
from ingest.amlgen.generate import generate, write


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m ingest.amlgen", description=__doc__)
    ap.add_argument(
        "out", type=Path, help="folder for transactions.jsonl, accounts.jsonl, truth.json"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accounts", type=int, default=GenConfig.accounts)
    ap.add_argument("--days", type=int, default=GenConfig.days)
    ap.add_argument(
        "--rate", type=float, default=GenConfig.tx_per_account_per_day, help="tx per account-day"
    )
    ap.add_argument(
        "--rings", type=int, default=GenConfig.rings_per_type, help="rings per typology"
    )
    ap.add_argument(
        "--lookalikes", type=int, default=GenConfig.lookalikes_per_kind, help="per kind"
    )
    ap.add_argument(
        "--camouflage",
        action="store_true",
        help="recruited aged members, cover history, everyday amounts",
    )
    ap.add_argument(
        "--recruited-share", type=float, help="override: share of members recruited from customers"
    )
    args = ap.parse_args()
    camo = Camouflage.camouflaged() if args.camouflage else Camouflage()
    if args.recruited_share is not None:
        camo = replace(camo, recruited_share=args.recruited_share)
    config = GenConfig(
        accounts=args.accounts,
        days=args.days,
        seed=args.seed,
        tx_per_account_per_day=args.rate,
        rings_per_type=args.rings,
        lookalikes_per_kind=args.lookalikes,
        camouflage=camo,
    )
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    gen = generate(config)
    write(gen, args.out)
    print(
        f"{len(gen.transactions)} transactions, {len(gen.accounts)} accounts, "
        f"{len(gen.truth['rings'])} rings, {len(gen.truth['victims'])} victims, "
        f"{len(gen.truth['lookalikes'])} look-alikes -> {args.out}"
    )


if __name__ == "__main__":
    main()
