"""An independent traffic generator (AMLSim typologies, camouflage, legit look-alikes).

It shares no code with ``ingest.simulator``: detectors tuned on the simulator are judged here.
``python -m ingest.amlgen OUTDIR --seed N [--camouflage]`` writes a data set.
"""

from __future__ import annotations

from ingest.amlgen.config import ALL_TYPES, LOOKALIKES, Camouflage, GenConfig, PatternSpec
from ingest.amlgen.generate import Generated, generate, write

__all__ = [
    "ALL_TYPES",
    "LOOKALIKES",
    "Camouflage",
    "GenConfig",
    "Generated",
    "PatternSpec",
    "generate",
    "write",
]
