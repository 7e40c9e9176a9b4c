"""Loader processes keep the memory they free for the next batch (no fresh pages to fault in)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# a loader's batches in miniature: a batch's text and bytes (megabytes, of varying size) and
# slices of them, made and freed, in the main thread and in another (the writer thread's arena)
_PROBE = """
import resource, sys, threading
from ingest.loader_process import keep_freed_memory
if sys.argv[1] == "keep":
    keep_freed_memory()
lines = ['{"tx_id": "t%09d", "amount": 12.5, "kind": "payment"}' % i for i in range(40000)]
def batches():
    for k in range(10):
        text = "\\n".join(lines[k % 3 * 1000:])
        data = text.encode()
        parts = [data[i:i + 300000] for i in range(0, len(data), 300000)]
        del text, data, parts
batches()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
writer = threading.Thread(target=batches)
writer.start()
writer.join()
batches()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_blocks_are_reused_instead_of_faulted_in_again() -> None:
    default, kept = _faults("default"), _faults("keep")
    assert default > 5000  # pages of fresh memory, every batch
    assert kept < default / 4
