"""The API's parameter header is the driver's, character for character, and reads back intact."""

from __future__ import annotations

import enum
from typing import Any

import pytest
from falkordb.helpers import stringify_param_value

from graph.compact import params_header, run_query
from graph.falkordb_store import FalkorStore
from graph.reads import FalkorReads


class Kind(enum.StrEnum):
    A = "a"


AWKWARD = ["", "plain", 'qu"ote', "back\\slash", 'both \\" end\\', "new\nline", "ünï ☃ 𝄞"]
VALUES: list[Any] = [
    *AWKWARD,
    0,
    -7,
    2**62,
    1.5,
    float("inf"),
    None,
    True,
    False,
    Kind.A,
    [],
    ["Account", "Device"],
    [1, None, "x", [2, ["y"]]],
    ("t", 1),
    {"k": [1, "v"]},
]


def _driver(params: dict[str, Any]) -> str:
    return "CYPHER " + " ".join(f"{k}={stringify_param_value(v)}" for k, v in params.items()) + " "


@pytest.mark.parametrize("value", VALUES)
def test_each_value_is_written_as_the_driver_writes_it(value: Any) -> None:
    assert params_header({"v": value, "id": "x"}) == _driver({"v": value, "id": "x"})


def test_no_parameters_no_header() -> None:
    assert params_header(None) == params_header({}) == ""


async def test_awkward_strings_read_back_intact(store: FalkorStore) -> None:
    reads = FalkorReads(store.url, store.graph_name)
    store.graph.query("CREATE (:Probe)")
    rows = await run_query(
        reads.client, store.graph_name, "MATCH (p:Probe) RETURN $s", {"s": AWKWARD}, read_only=True
    )
    assert rows == [[AWKWARD]]
    await reads.close()
