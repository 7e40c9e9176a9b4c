"""Process settings for a loader: how it collects garbage, hands the GIL over and reuses freed
memory while it parses and plans batches, and what it imports before it forks."""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_SWITCH_S = 0.0005  # GIL switch interval while loading (Python's default: 0.005)

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters
_MMAP_THRESHOLD = 32 << 20  # glibc's largest
_TRIM_THRESHOLD = 256 << 20


def preload_columnar() -> None:
    """Import the modules that plan clean batches column by column (pyarrow, numpy) before
    loader processes fork: each would otherwise spend ~0.4 s of CPU importing them."""
    import graph.bulkcolumns  # noqa: F401
    import ingest.columnar  # noqa: F401


def keep_freed_memory() -> None:
    """Have glibc's malloc keep freed memory for reuse (for the rest of the process).

    A loader allocates and frees blocks of megabytes every batch (lines, Arrow inputs, encoded
    records, the buffers a client sends); by default each is a fresh mmap, and the kernel
    zeroing its new pages was about a tenth of a ``--bulk`` load's CPU. Elsewhere (no glibc)
    this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)


@contextmanager
def loader_gc() -> Iterator[None]:
    """Loader settings: collect garbage rarely (a batch makes ~10 short-lived objects per event
    and no cycles, and the collector's gen-0 passes took a third of parse+plan time), and hand
    the GIL over sooner: the writer thread, back from each server reply under the writer lock,
    would otherwise wait up to 5 ms for the parsing thread, a dozen times a batch, while the
    other loaders wait for the lock."""
    keep_freed_memory()
    before = gc.get_threshold()
    interval = sys.getswitchinterval()
    gc.freeze()  # what exists now (modules, the pipeline) is never scanned again
    gc.set_threshold(200_000, 50, 100)
    sys.setswitchinterval(_SWITCH_S)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*before)
        gc.unfreeze()
