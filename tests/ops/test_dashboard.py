from __future__ import annotations

import json
import re
from pathlib import Path

from api.metrics import REGISTRY
from ringscope import metrics  # noqa: F401  (registers the worker and scheduler metrics)

DASHBOARD = Path(__file__).parents[2] / "ops" / "grafana" / "ringscope.json"


def test_dashboard_queries_only_metrics_we_export() -> None:
    dash = json.loads(DASHBOARD.read_text())
    suffixes = ("", "_total", "_bucket", "_count", "_sum")
    exported = {fam.name + sfx for fam in REGISTRY.collect() for sfx in suffixes}
    used = {
        m
        for p in dash["panels"]
        for t in p["targets"]
        for m in re.findall(r"ringscope_[a-z_]+", t["expr"])
    }
    assert used and used <= exported, used - exported
    titles = [p["title"] for p in dash["panels"]]
    assert any("Fraud rate in real time" in t for t in titles)
