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


def test_edge_records_pack_as_the_one_edge_encoders() -> None:
    from graph.bulkformat import edge_record, edge_records, link_record, money_record

    src, dst = [0, 5, 1 << 40], [7, 2, 3]
    counts, totals, firsts, lasts = [1, 2, 3], [0.1, 2.5, 1e12], [-1, 0, 1 << 60], [4, 5, 6]
    money = edge_records(
        src, dst, ("int", counts), ("float", totals), ("int", firsts), ("int", lasts)
    )
    assert money == b"".join(map(money_record, src, dst, counts, totals, firsts, lasts))
    assert edge_records(src, dst, ("int", firsts)) == b"".join(map(link_record, src, dst, firsts))
    assert edge_records(src, dst) == b"".join(
        edge_record(s, d, ()) for s, d in zip(src, dst, strict=True)
    )
    assert edge_records([], []) == b""


def test_node_records_write_node_records_bytes() -> None:
    from graph.bulkcolumns import node_records

    ids, first = ["a", "é中", "x" * 300], [0, -5, 1 << 60]
    for opened in (None, [None, None, None], [7, None, 9], [1, 2, 3]):
        rows = [
            [i, f] if opened is None else [i, f, o]
            for i, f, o in zip(ids, first, opened or ids, strict=True)
        ]
        assert node_records(ids, first, opened) == b"".join(node_record(r) for r in rows)
