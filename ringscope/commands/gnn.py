"""``ringscope train`` and ``ringscope evaluate``: the GNN on the configured graph."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.console import Console

from core.settings import load_settings
from ringscope.bootstrap import bootstrap
from ringscope.models import train_model

logger = logging.getLogger(__name__)
console = Console()

# The model kinds of gnn.kinds.MODELS, named here so the CLI starts without importing torch.
KindOption = Annotated[str, typer.Option("--model", help="ring_boost or ring_sage")]
CutoffOption = Annotated[
    int | None,
    typer.Option("--cutoff-ms", help="time split: train before this epoch ms (default: 80% of tx)"),
]
DeviceOption = Annotated[
    str,
    typer.Option("--device", help="auto, cpu or cuda: where training runs (models load on CPU)"),
]


def train(
    kind: KindOption = "ring_boost",
    seed: int = 0,
    score: bool = True,
    cutoff_ms: CutoffOption = None,
    device: DeviceOption = "auto",
) -> None:
    """Train on every labelled account, register the model with its card, score all accounts."""
    from gnn.device import resolve_device

    settings = load_settings()
    with bootstrap(settings) as runtime:
        record, result, figures = train_model(
            settings,
            runtime.falkor(),
            kind,
            seed,
            score=score,
            show=True,
            device=resolve_device(device),
            cutoff_ms=cutoff_ms,
        )
        console.print(f"model [bold]{record.version}[/] {json.dumps(result)}")
        if figures is not None:
            console.print(f"scored {figures}")


def evaluate(
    kind: KindOption = "ring_boost",
    seed: int = 0,
    cutoff_ms: CutoffOption = None,
    device: DeviceOption = "auto",
) -> None:
    """Random-split and time-split metrics side by side; registers nothing."""
    from gnn.device import resolve_device
    from gnn.export import export_hetero
    from gnn.train import evaluate_time_split, time_cutoff, train_and_evaluate

    settings = load_settings()
    on = resolve_device(device)
    with bootstrap(settings) as runtime:
        store = runtime.falkor()
        data = export_hetero(store)
        _, result = train_and_evaluate(data, kind, seed, show=True, device=on)
        cutoff = cutoff_ms if cutoff_ms is not None else time_cutoff(store)
        if cutoff is not None:
            result["time_split"] = {
                "cutoff_ms": cutoff,
                **evaluate_time_split(export_hetero(store, cutoff_ms=cutoff), data, kind, seed, on),
            }
    console.print_json(json.dumps(result))


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``evaluate`` to the CLI."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
