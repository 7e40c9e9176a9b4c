"""``ringscope simulate``: write a labelled synthetic data set, or stream live traffic."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from core.errors import ConfigurationError
from core.settings import load_settings
from ringscope.bootstrap import open_streams

if TYPE_CHECKING:  # the simulator (numpy) is imported when a command needs it
    from ingest.simulator import SimConfig

logger = logging.getLogger(__name__)
console = Console(stderr=True)


def simulate_command(
    out: Annotated[Path | None, typer.Option(help="write the data set into this folder")] = None,
    accounts: Annotated[int, typer.Option(min=1, help="number of accounts")] = 2000,
    days: Annotated[int, typer.Option(min=2, help="days of traffic, ending today")] = 30,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same data")] = 7,
    rings: Annotated[int, typer.Option(min=0, help="rings planted per typology")] = 3,
    stream: Annotated[bool, typer.Option(help="XADD live events to the input stream")] = False,
    rate: Annotated[float, typer.Option(min=0.1, help="events per second with --stream")] = 200,
    url: Annotated[
        str | None, typer.Option(help="redis://host:port (default FALKORDB_URL)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="stop after this many events")] = None,
    generator: Annotated[
        str, typer.Option(help="sim: ours; aml: the independent AMLSim-typology generator")
    ] = "sim",
    camouflage: Annotated[
        bool, typer.Option(help="with --generator aml: recruited aged members, everyday sums")
    ] = False,
) -> None:
    """Synthetic traffic with labelled rings: --out DIR writes files, --stream sends live events."""
    if generator == "aml":
        _write_aml(out, accounts, days, seed, rings, camouflage)
        return
    if generator != "sim":
        raise ConfigurationError(f"--generator {generator!r}: use sim or aml")
    from ingest.simulator import SimConfig

    config = SimConfig(accounts=accounts, days=days, seed=seed, rings_per_typology=rings)
    if stream:
        _stream(config, rate, url, limit)
    elif out is not None:
        _write(config, out)
    else:
        raise ConfigurationError("give --out DIR to write a data set, or --stream to send events")


def _write(config: SimConfig, out: Path) -> None:
    from ingest.simulator import simulate, write_dataset

    with console.status(f"simulating {config.accounts:,} accounts x {config.days} days"):
        sim = simulate(config)
        write_dataset(sim, out)
    console.print(
        f"wrote {len(sim.transactions):,} transactions, {len(sim.accounts):,} accounts, "
        f"{len(sim.truth['rings'])} rings, {len(sim.truth['anomalies'])} anomalies to {out}"
    )


def _write_aml(
    out: Path | None, accounts: int, days: int, seed: int, rings: int, camouflage: bool
) -> None:
    """The independent generator (ingest.amlgen): files only, no live stream."""
    from ingest.amlgen import Camouflage, GenConfig, generate, write

    if out is None:
        raise ConfigurationError("--generator aml writes files only: give --out DIR")
    camo = Camouflage.camouflaged() if camouflage else Camouflage()
    config = GenConfig(
        accounts=accounts, days=days, seed=seed, rings_per_type=rings, camouflage=camo
    )
    with console.status(f"generating {accounts:,} accounts x {days} days (aml)"):
        gen = generate(config)
        write(gen, out)
    console.print(
        f"wrote {len(gen.transactions):,} transactions, {len(gen.accounts):,} accounts, "
        f"{len(gen.truth['rings'])} rings, {len(gen.truth['victims'])} victims to {out}"
    )


def _stream(config: SimConfig, rate: float, url: str | None, limit: int | None) -> None:
    from ingest.simulator import live_events, publish_events

    settings = load_settings(falkordb_url=url) if url else load_settings()
    sent = [0]
    with open_streams(settings) as streams, console.status("starting") as status:

        def progress(count: int, elapsed: float) -> None:
            sent[0] = count
            status.update(
                f"sent {count:,} events to {settings.stream!r} "
                f"({count / max(elapsed, 1e-9):,.0f}/s) - Ctrl-C stops"
            )

        try:
            publish_events(
                streams,
                settings.stream,
                live_events(config, rate),
                rate,
                limit=limit,
                on_progress=progress,
            )
        except KeyboardInterrupt:
            logger.info("simulator stream stopped by the user")
    console.print(f"sent {sent[0]:,} events to {settings.stream!r}")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
