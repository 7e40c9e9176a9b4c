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
    knobs = ap.add_argument_group("camouflage knobs (override the preset)")
    knobs.add_argument("--recruited-share", type=float, help="members recruited from customers")
    knobs.add_argument(
        "--member-age-days",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="how long before the ring acts its new accounts opened",
    )
    knobs.add_argument(
        "--cover-history",
        action=argparse.BooleanOptionalAction,
        help="new ring accounts also live an ordinary life",
    )
    knobs.add_argument(
        "--everyday-amounts",
        action=argparse.BooleanOptionalAction,
        help="ring sums drawn from everyday transfer sizes",
    )
    knobs.add_argument(
        "--ring-device-share", type=float, help="ring transactions from ring devices"
    )
    knobs.add_argument(
        "--shared-identity-share", type=float, help="new ring accounts reusing a ring phone/address"
    )
    args = ap.parse_args()
    camo = Camouflage.camouflaged() if args.camouflage else Camouflage()
    overrides = {
        "recruited_share": args.recruited_share,
        "new_member_age_days": tuple(args.member_age_days) if args.member_age_days else None,
        "cover_history": args.cover_history,
        "everyday_amounts": args.everyday_amounts,
        "ring_device_share": args.ring_device_share,
        "shared_identity_share": args.shared_identity_share,
    }
    camo = replace(camo, **{k: v for k, v in overrides.items() if v is not None})
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
