"""A --bulk build's tables: node codes in first-fold order, the first batch's first_seen; pair rows."""

from __future__ import annotations

import numpy as np

from graph.bulktables import NodeTable, PairIndex


def test_codes_follow_the_first_fold_and_the_first_first_seen_stands() -> None:
    table = NodeTable()
    table.add({"b": 20, "a": 10})
    table.add({"a": 5, "c": 30, "b": 1})  # a later batch: a and b keep batch one's first_seen
    assert table.codes == {"b": 0, "a": 1, "c": 2}
    assert table.names == ["b", "a", "c"]
    assert table.first_seen(0, 3).tolist() == [20, 10, 30]


def test_sent_nodes_take_consecutive_internal_ids() -> None:
    table = NodeTable()
    table.add({f"n{i}": i for i in range(1500)})  # past the first allocation
    table.mark_sent(1000, 7)
    table.add({"late": 99})
    table.mark_sent(len(table), 5000)
    internal = table.internal().tolist()
    assert internal[:1000] == list(range(7, 1007))
    assert internal[1000:] == list(range(5000, 5501))
    assert table.first_seen(1499, 1501).tolist() == [1499, 99]


def test_pair_rows_count_up_in_first_fold_order_across_many_runs() -> None:
    index = PairIndex()
    rng = np.random.default_rng(7)
    want: dict[int, int] = {}
    for _ in range(40):  # batches of distinct keys, some seen before
        keys = np.unique(rng.integers(0, 3_000, 200)).astype(np.int64)
        rng.shuffle(keys)
        for k in keys.tolist():
            want.setdefault(k, len(want))
        assert index.rows(keys).tolist() == [want[k] for k in keys.tolist()]
    assert len(index) == len(want)
    assert index.keys().tolist() == list(want)  # in row order
    index.clear()
    assert len(index) == 0 and index.rows(np.array([5], np.int64)).tolist() == [0]
