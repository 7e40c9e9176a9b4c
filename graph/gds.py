"""Neo4j Graph Data Science: the connection, projections and the community algorithms.

Only this adapter runs GDS Cypher (``cypher/neo4j/gds_*.cypher``); ``detection/gds.py`` turns the
memberships it returns into ring candidates. Needs the ``gds`` extra.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from core.errors import ConfigurationError
from core.settings import Settings
from graph.cypher import load_query

logger = logging.getLogger(__name__)

Algorithm = Literal["leiden", "louvain"]
DIALECT = "neo4j"


def connect_gds(settings: Settings) -> Any:
    """A ``graphdatascience.GraphDataScience`` client on NEO4J_URI."""
    try:
        from graphdatascience import GraphDataScience
    except ImportError as exc:
        raise ConfigurationError(
            "GDS community detection needs the gds extra: pip install 'ringscope[gds]'"
        ) from exc
    if not settings.neo4j_uri:
        raise ConfigurationError("GDS community detection needs NEO4J_URI (bolt://host:7687)")
    auth = (settings.neo4j_user, settings.neo4j_password)
    return GraphDataScience(settings.neo4j_uri, auth=auth, arrow=False)


def _cypher(gds: Any, query: str, /, **params: Any) -> Any:
    return gds.run_cypher(load_query(query, dialect=DIALECT), params)


@contextmanager
def projected(gds: Any, query_name: str) -> Iterator[str]:
    """A GDS in-memory projection made by ``cypher/neo4j/<query_name>``, dropped afterwards."""
    name = f"ringscope-{uuid.uuid4().hex[:12]}"
    frame = _cypher(gds, query_name, name=name)
    logger.info("GDS projection %s: %s", name, frame.to_dict("records"))
    try:
        yield name
    finally:
        _cypher(gds, "gds_drop_graph", name=name)


def gds_communities(gds: Any, algorithm: Algorithm = "leiden", seed: int = 7) -> dict[str, int]:
    """Account id -> community on the transfer graph (weights log(1 + total))."""
    with projected(gds, "gds_project_transfers") as name:
        if algorithm == "leiden":
            frame = _cypher(gds, "gds_leiden_stream", name=name, seed=seed)
        else:
            frame = _cypher(gds, "gds_louvain_stream", name=name)
    return {str(i): int(c) for i, c in zip(frame["id"], frame["community"], strict=True)}


def gds_components(gds: Any) -> dict[str, int]:
    """Account id -> weakly connected component of the account-device-IP graph."""
    with projected(gds, "gds_project_links") as name:
        frame = _cypher(gds, "gds_wcc_stream", name=name)
    return {str(i): int(c) for i, c in zip(frame["id"], frame["component"], strict=True)}
