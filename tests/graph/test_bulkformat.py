"""The GRAPH.BULK record encoders agree byte for byte."""

from __future__ import annotations

import random

from graph.bulkformat import RecordEncoder, node_record


def test_record_encoder_writes_node_records_bytes() -> None:
    rng = random.Random(7)
    values = [None, "abc", "é中", "", 5, -7, 1 << 62, 2.5, True, False, ["x", 1, 2.0], (1,)]
    rows = [[rng.choice(values) for _ in range(6)] for _ in range(3000)]
    order = [3, 0, 1, 5, 2, 4]
    encoder = RecordEncoder(order)
    assert encoder.encode(rows) == b"".join(node_record([r[i] for i in order]) for r in rows)
    assert encoder.encode([]) == b""
