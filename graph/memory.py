"""How much memory this process holds, and how much a ``--bulk`` build may hold.

A ``--bulk`` build keeps a running total per distinct node, money pair and address until it
sends them at the end (graph/bulk.py), so its memory grows with the distinct pairs of the input:
on bank-like data 0.6-0.9 KiB per transaction (peak 403 MB at 482k transactions, 1.9 GB at 2M),
which a backfill of 100M transactions would not fit. The build checks its memory after every
batch and, past its limit, ends early and leaves the rest to the append path (ingest/bulk.py)
rather than be killed by the kernel half way.
"""

from __future__ import annotations

import os
import resource
import sys
from contextlib import suppress

GIB = 1 << 30


def resident_bytes() -> int:
    """This process's resident memory now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) if sys.platform == "darwin" else int(peak) * 1024  # bytes there, KiB here


# a container's memory limit and use: cgroup v2, then v1 (a limit of "max", or v1's huge number
# when there is none, leaves the machine's figure)
CGROUP_FILES = (
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
)
MEMINFO = "/proc/meminfo"


def available_bytes() -> int:
    """Memory this process could still get: the machine's available memory, or what is left
    under its cgroup's limit (a container's) if that is less."""
    available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    with suppress(OSError, ValueError, IndexError), open(MEMINFO) as fh:  # else all of it
        for line in fh:
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
    for limit_file, usage_file in CGROUP_FILES:
        try:
            with open(limit_file) as limit, open(usage_file) as usage:
                room = int(limit.read()) - int(usage.read())
        except (OSError, ValueError):  # absent, or "max"
            continue
        available = min(available, max(room, 0))
    return available


def default_bulk_limit() -> int:
    """Half the memory available now: the FalkorDB server grows with the graph too."""
    return available_bytes() // 2
