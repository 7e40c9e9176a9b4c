"""``ringscope backup`` / ``ringscope restore``: the graph, the streams and the model registry.

A backup is one tar file (``.tar.gz`` compresses it): ``manifest.json`` (versions, graph,
keys, counts, files), ``redis.keys`` (every key DUMPed in one atomic snapshot, see
``graph/backup.py``) and ``data/``: ``models/`` (the GNN registry) and ``detection/<graph>/``
(the batch copy of the edge log). The manifest names every member with its SHA-256.

Restore trusts nothing in the archive: every member must be named by the manifest and match
its hash, and only regular files under ``data/models/`` and ``data/detection/<graph>/`` are
written; anything else is refused before a byte is changed. It refuses a graph that already
holds nodes unless forced, restores into the same graph name, and checks the restored counts.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from core.errors import RingscopeError
from core.settings import Settings
from graph.backup import (
    Snapshot,
    delete_keys,
    dump_keys,
    node_count,
    open_raw,
    read_dumps,
    restore_keys,
    select_keys,
    server_versions,
    stream_lengths,
    write_dumps,
)
from graph.falkordb_store import FalkorStore

if TYPE_CHECKING:
    from graph.backup import RawClient

logger = logging.getLogger(__name__)

FORMAT = 2  # 2: SHA-256 of every member in the manifest
DATA_FOLDERS = ("models", "detection")


class BackupError(RingscopeError):
    """A backup could not be written, or a restore was refused or failed its checks."""


def stream_names(settings: Settings) -> list[str]:
    """The streams of DESIGN.md and docs/contracts.md, as named by the settings."""
    return [
        settings.stream,
        settings.dead_letter_stream,
        settings.approved_stream,
        settings.flagged_stream,
        settings.alerts_stream,
        settings.webhook_dead_stream,
    ]


def _versions(store: FalkorStore) -> dict[str, str]:
    try:
        ours = metadata.version("ringscope")
    except metadata.PackageNotFoundError:
        ours = "unknown"
    return {"ringscope": ours, **server_versions(store.redis)}


def _data_paths(settings: Settings) -> list[Path]:
    root = Path(settings.data_dir)
    return [p for p in (root / "models", root / "detection" / settings.graph) if p.is_dir()]


def create_backup(settings: Settings, store: FalkorStore, path: Path) -> dict[str, Any]:
    """Write a backup of ``store``'s graph, streams and the data folders to ``path``."""
    started = time.perf_counter()
    with open_raw(store.url) as raw:
        keys = select_keys(raw, store.graph_name, stream_names(settings))
        snap = dump_keys(raw, keys, store.graph_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with tarfile.open(part, "w:gz" if path.name.endswith(".gz") else "w") as tar:
        hashes = {"redis.keys": _add_keys(tar, snap)}
        hashes |= _add_folders(tar, settings)
        manifest = _manifest(store, snap, hashes)
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    part.replace(path)  # a backup file is complete or absent
    logger.info(
        "backup of graph %s: %d keys, %d files in %.1fs to %s",
        store.graph_name,
        len(snap.dumps),
        len(manifest["files"]),
        time.perf_counter() - started,
        path,
    )
    return manifest


def _sha256(fh: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := fh.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _add_file(tar: tarfile.TarFile, name: str, fh: IO[bytes], size: int) -> str:
    """Add ``fh`` as member ``name``; returns its SHA-256 (hashed from the bytes written)."""
    digest = _sha256(fh)
    fh.seek(0)
    info = tarfile.TarInfo(name)
    info.size, info.mtime = size, int(time.time())
    tar.addfile(info, fh)
    return digest


def _add_keys(tar: tarfile.TarFile, snap: Snapshot) -> str:
    with tempfile.TemporaryFile() as raw:
        size = write_dumps(raw, snap.dumps)
        raw.seek(0)
        return _add_file(tar, "redis.keys", raw, size)


def _add_folders(tar: tarfile.TarFile, settings: Settings) -> dict[str, str]:
    """Every regular file of the data folders, with its SHA-256, read once from one open handle."""
    hashes: dict[str, str] = {}
    for folder in _data_paths(settings):
        arcname = "data/" + folder.relative_to(settings.data_dir).as_posix()
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            name = f"{arcname}/{file.relative_to(folder).as_posix()}"
            with file.open("rb") as fh:
                size = fh.seek(0, io.SEEK_END)
                fh.seek(0)
                hashes[name] = _add_file(tar, name, fh, size)
    return hashes


def _manifest(store: FalkorStore, snap: Snapshot, hashes: dict[str, str]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "versions": _versions(store),
        "graph": store.graph_name,
        "counts": snap.counts,
        "streams": snap.streams,
        "keys": [
            {
                "name": d.name.decode(errors="replace"),
                "type": d.kind,
                "bytes": len(d.payload),
                "ttl_ms": d.ttl_ms,
            }
            for d in snap.dumps
        ],
        "files": sorted(name for name in hashes if name.startswith("data/")),
        "sha256": hashes,
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(time.time())
    tar.addfile(info, io.BytesIO(data))


def read_manifest(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError(f"{path}: no manifest.json; not a ringscope backup")
        manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path}: backup format {manifest.get('format')} is not {FORMAT}; take a new backup "
            "with this version (format 1 carries no hashes and is not restored)"
        )
    return manifest


def restore_backup(
    settings: Settings, store: FalkorStore, path: Path, *, force: bool = False
) -> dict[str, Any]:
    """Restore ``path`` into ``store``'s server and ``settings.data_dir``; returns the manifest."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    manifest = read_manifest(path)
    if manifest["graph"] != store.graph_name:
        raise BackupError(
            f"the backup holds graph {manifest['graph']!r}, not {store.graph_name!r}; set "
            f"RINGSCOPE_GRAPH={manifest['graph']} (a graph restores only under its own name)"
        )
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (
        open_raw(store.url) as raw,
        tarfile.open(path) as tar,
        tempfile.TemporaryDirectory(dir=data_dir) as tmp,
    ):
        staged = _stage_verified(tar, manifest, settings.graph, path, Path(tmp))
        _refuse_non_empty(raw, store.graph_name, force)
        delete_keys(raw, select_keys(raw, store.graph_name, stream_names(settings)))
        with (Path(tmp) / "redis.keys").open("rb") as keys:
            restored = restore_keys(raw, read_dumps(keys))
        _restore_files(staged, data_dir, settings.graph)
    store.cache.forget()  # internal node ids belong to the graph that was replaced
    _check_counts(store, manifest)
    logger.info(
        "restored graph %s: %d keys, %d files from %s",
        store.graph_name,
        restored,
        len(manifest["files"]),
        path,
    )
    return manifest


def _refuse_non_empty(raw: RawClient, graph: str, force: bool) -> None:
    nodes = node_count(raw, graph)
    if nodes and not force:
        raise BackupError(
            f"graph {graph!r} already holds {nodes} nodes; restore would replace "
            "it: pass --force to overwrite, or restore into an empty server or graph"
        )


def _allowed(name: str, graph: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        not name.startswith("/")
        and ".." not in parts
        and (name.startswith("data/models/") or name.startswith(f"data/detection/{graph}/"))
    )


def _stage_verified(
    tar: tarfile.TarFile, manifest: dict[str, Any], graph: str, path: Path, tmp: Path
) -> Path:
    """Copy every member the manifest names into ``tmp``, checking its hash; refuse the rest.

    Returns the staged ``data`` folder. Nothing outside ``tmp`` is touched.
    """
    hashes = manifest.get("sha256")
    if not isinstance(hashes, dict) or "redis.keys" not in hashes:
        raise BackupError(f"{path}: the manifest lists no hashes; the backup is damaged")
    for name in hashes:
        if name != "redis.keys" and not _allowed(name, graph):
            raise BackupError(
                f"{path}: the manifest names {name!r}, outside the data folders "
                "a backup may hold; refusing a tampered archive"
            )
    members = {m.name: m for m in tar.getmembers()}
    for name, member in members.items():
        if name != "manifest.json" and name not in hashes and not member.isdir():
            raise BackupError(
                f"{path}: member {name!r} is not in the manifest; refusing a tampered archive"
            )
    for name, want in hashes.items():
        found = members.get(name)
        if found is None or not found.isfile():
            raise BackupError(f"{path}: {name!r} is missing or not a regular file")
        source = tar.extractfile(found)
        assert source is not None  # a regular file
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != want:
            raise BackupError(
                f"{path}: {name!r} does not match its SHA-256 in the manifest; "
                "refusing a tampered or damaged archive"
            )
    return tmp / "data"


def _restore_files(staged: Path, data_dir: Path, graph: str) -> None:
    """Replace the model registry and the detection state with the verified, staged copies."""
    for folder in (data_dir / "models", data_dir / "detection" / graph):
        if folder.exists():
            shutil.rmtree(folder)
    if staged.is_dir():
        shutil.copytree(staged, data_dir, dirs_exist_ok=True)


def _check_counts(store: FalkorStore, manifest: dict[str, Any]) -> None:
    now = {k: float(v) for k, v in store.counts().items()}
    want = {k: float(v) for k, v in manifest["counts"].items()}
    if now != want:
        raise BackupError(f"restored counts {now} differ from the backup's {want}")
    lengths = stream_lengths(store.redis, manifest["streams"])
    for name, length in manifest["streams"].items():
        if lengths[name] != length:
            raise BackupError(
                f"restored stream {name} has {lengths[name]} entries, the backup {length}"
            )
