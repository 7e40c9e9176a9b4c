"""Synthetic traffic with planted, labelled fraud rings and seed anomalies.

``simulate(SimConfig(...))`` builds a data set in memory, ``write_dataset`` puts it on disk,
``live_events`` yields an endless stream stamped with the current time for the demo.
"""

from __future__ import annotations

from ingest.simulator.config import ANOMALY_KINDS, TYPOLOGIES, SimConfig, Simulation
from ingest.simulator.dataset import write_dataset
from ingest.simulator.live import live_events
from ingest.simulator.publisher import publish_events
from ingest.simulator.simulate import simulate

__all__ = [
    "ANOMALY_KINDS",
    "TYPOLOGIES",
    "SimConfig",
    "Simulation",
    "live_events",
    "publish_events",
    "simulate",
    "write_dataset",
]
