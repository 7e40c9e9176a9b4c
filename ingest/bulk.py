"""``ringscope ingest --bulk``: the file loader writing through a ``BulkBuilder``.

Parsing, dead-lettering, scoring (``--score``) and planning are the ordinary pipeline's; only the
graph write differs (graph/bulk.py). On any failure the graph is left empty again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from graph.bulk import BulkBuilder
from ingest.files import LoadSummary, load_files
from ingest.pipeline import BatchResult, Pipeline


def load_files_bulk(
    paths: list[Path],
    pipeline: Pipeline,
    builder: BulkBuilder,
    batch_size: int = 10_000,
    on_progress: Callable[[int, BatchResult], None] | None = None,
) -> LoadSummary:
    """Build the (empty) graph from the files; raises GraphNotEmptyError if it holds anything.

    ``pipeline`` supplies parsing, dead letters and scoring; its graph writes go to ``builder``.
    """
    builder.begin()
    store, pipeline.store = pipeline.store, builder
    try:
        summary = load_files(paths, pipeline, batch_size, on_progress)
        builder.finish()
    except BaseException:
        builder.abort()
        raise
    finally:
        pipeline.store = store
    return summary
