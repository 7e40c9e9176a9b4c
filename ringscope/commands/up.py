"""``ringscope serve`` (API + UI) and ``ringscope up`` (everything in one process group)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import typer
from rich.console import Console

from core.settings import Settings, load_settings
from ringscope.bootstrap import Runtime, attach, bootstrap, close_worker
from ringscope.logging import RequestIdMiddleware
from ringscope.metrics import record_batch, record_run
from ringscope.models import train_model
from ringscope.supervise import IngestHealth, supervised_thread

logger = logging.getLogger(__name__)
console = Console(stderr=True)

HostOption = Annotated[str | None, typer.Option(help="interface to bind (default RINGSCOPE_HOST)")]
DEMO_ACCOUNTS, DEMO_SEED = 3000, 7  # the live demo traffic continues the seeded world
PortOption = Annotated[int | None, typer.Option(help="port (default RINGSCOPE_PORT)")]
ApiWorkersOption = Annotated[
    int | None,
    typer.Option(
        min=0,
        max=64,
        help="API processes on the one port (default RINGSCOPE_API_WORKERS; 0: CPUs - 1, 1 to 4)",
    ),
]
MAX_AUTO_WORKERS = 4


def _settings(host: str | None, port: int | None, **extra: Any) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    return load_settings(**overrides, **extra)


def api_processes(settings: Settings, wanted: int | None = None) -> int:
    """How many API processes: ``wanted``, else RINGSCOPE_API_WORKERS; 0 means one per CPU but
    one left to FalkorDB (which usually shares the machine), between 1 and 4."""
    n = settings.api_workers if wanted is None else wanted
    return n if n > 0 else max(1, min((os.cpu_count() or 1) - 1, MAX_AUTO_WORKERS))


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "ws": "websockets-sansio",
        # no per-message deflate: an alert is a few hundred bytes, and compressing it for each
        # subscriber's own zlib context cost more CPU than the fan-out's sends (api/fanout.py)
        "ws_per_message_deflate": False,
        # uvicorn kills a worker whose health check goes unanswered for this long: 5 s (its
        # default) killed busy workers, and their thousands of subscriptions, while 10,000
        # sockets connected on a loaded machine
        "timeout_worker_healthcheck": 30,
        "lifespan": "on",
        "access_log": False,
        # an oversized WebSocket frame is refused before it is read
        "ws_max_size": settings.api_max_body_bytes,
    }


def _build_app(runtime: Runtime, health: IngestHealth | None = None) -> Any:
    app = runtime.create_app(ingest_health=health.problem if health is not None else None)
    return RequestIdMiddleware(app)


def worker_app() -> Any:
    """The app of one API process of ``serve --workers N`` (uvicorn builds it in each process).

    Each process follows the Redis pub/sub channels itself, so every subscriber gets every
    alert and ring update whichever process published it or serves the subscriber.
    """
    from ringscope.logging import setup_logging

    setup_logging()
    settings = load_settings()
    if not settings.falkordb_url:
        raise RuntimeError("an API worker process needs FALKORDB_URL (set by ringscope serve)")
    return _build_app(attach(settings, settings.falkordb_url))


def _serve_app(runtime: Runtime, workers: int = 1, health: IngestHealth | None = None) -> None:
    """Serve in this process, or in ``workers`` processes (which see only their own ingest)."""
    settings = runtime.settings
    if workers <= 1:
        import uvicorn  # imported when serving: other commands start faster without it

        app = _build_app(runtime, health)
        config = uvicorn.Config(app, **_uvicorn_options(settings))
        uvicorn.Server(config).run()
        return
    # the processes are spawned and read their Settings from the environment: hand them the
    # server this process chose (an embedded one, perhaps) and the command-line host and port
    os.environ.update(
        {
            "FALKORDB_URL": runtime.falkor().url,
            "RINGSCOPE_GRAPH": settings.graph,
            "RINGSCOPE_HOST": settings.host,
            "RINGSCOPE_PORT": str(settings.port),
        }
    )
    logger.info("serving the API from %d processes on port %d", workers, settings.port)
    import uvicorn

    uvicorn.run(
        "ringscope.commands.up:worker_app",
        factory=True,
        workers=workers,
        **_uvicorn_options(settings),
    )


def serve(
    host: HostOption = None, port: PortOption = None, workers: ApiWorkersOption = None
) -> None:
    """Run the GraphQL API and the investigator UI (``--workers N`` processes on one port)."""
    settings = _settings(host, port)
    n = api_processes(settings, workers)
    with bootstrap(settings) as runtime:
        console.print(
            f"ringscope API on http://{settings.host}:{settings.port}/graphql, "
            f"UI on http://{settings.host}:{settings.port}/ ({n} process{'es' if n > 1 else ''})"
        )
        _serve_app(runtime, n)


def _thread(name: str, target: Callable[..., Any], *args: Any) -> threading.Thread:
    def guarded() -> None:
        try:
            target(*args)
        except Exception:  # a background part failing must be visible, not silent
            logger.exception("%s stopped with an error", name)

    thread = threading.Thread(target=guarded, name=name, daemon=True)
    thread.start()
    return thread


def _run_worker(runtime: Runtime, index: int, stop: threading.Event) -> None:
    worker = runtime.stream_worker(on_batch=record_batch)
    worker.name = f"{worker.name}-{index}"
    try:
        worker.run(stop)
    finally:
        close_worker(worker)


def _run_scheduler(runtime: Runtime, stop: threading.Event) -> None:
    from detection.scheduler import run_forever

    store = runtime.new_store()
    try:
        run_forever(runtime.settings, store, stop, on_run=record_run)
    finally:
        store.close()


def _seed_demo(runtime: Runtime) -> None:
    """A fresh demo graph gets two weeks of history with planted rings, then one detection."""
    from ingest.simulator import SimConfig, simulate

    if runtime.store.counts().get("Transaction", 0) > 0:
        return
    console.print("demo: loading 14 days of simulated history with planted rings ...")
    sim = simulate(SimConfig(accounts=DEMO_ACCOUNTS, days=14, seed=DEMO_SEED))
    pipeline = runtime.pipeline()
    events = sim.accounts + sim.transactions
    for start in range(0, len(events), 5000):
        pipeline.process_raw(events[start : start + 5000])
    summary = runtime.detection_runner()()
    console.print(
        f"demo: {len(sim.transactions):,} transactions, {summary.rings_total} rings found"
    )


def _train_demo_model(runtime: Runtime) -> None:
    """Train the GNN on the seeded labels so accounts carry a model risk, then re-detect."""
    store = runtime.new_store()
    try:
        record, result, _ = train_model(runtime.settings, store)
        auc = result["random_split"].get("auc", float("nan"))
        console.print(f"demo: model {record.version} trained (held-out AUC {auc:.3f}); scored")
        runtime.detection_runner()()
    finally:
        store.close()


def _run_traffic(runtime: Runtime, rate: float, stop: threading.Event) -> None:
    from ingest.simulator import SimConfig, live_events, publish_events

    streams = runtime.streams()
    try:
        publish_events(
            streams,
            runtime.settings.stream,
            live_events(SimConfig(accounts=DEMO_ACCOUNTS, seed=DEMO_SEED), rate),
            rate,
            stop=stop,
        )
    finally:
        streams.close()


def _announce_when_listening(host: str, port: int, text: str, stop: threading.Event) -> None:
    """Print ``text`` when ``host:port`` accepts a connection (a wildcard host: loopback)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    while not stop.is_set():
        try:
            with socket.create_connection((target, port), timeout=1):
                console.print(text)
                return
        except OSError:
            stop.wait(0.1)


def up(
    demo: Annotated[bool, typer.Option(help="seed history and stream simulated traffic")] = False,
    host: HostOption = None,
    port: PortOption = None,
    workers: Annotated[int, typer.Option(min=1, max=16, help="ingest worker threads")] = 1,
    rate: Annotated[float, typer.Option(help="demo traffic, transactions per second")] = 50.0,
    api_workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="API processes (0: CPUs - 1, 1 to 4); /metrics then shows one process's",
        ),
    ] = 1,
) -> None:
    """Everything in one process group on the embedded FalkorDB: API + UI, worker, scheduler."""
    extra: dict[str, Any] = {"detect_cron": "*/2 * * * *"} if demo else {}
    settings = _settings(host, port, **extra)
    stop = threading.Event()
    with bootstrap(settings) as runtime:
        if demo:
            _seed_demo(runtime)
        health = IngestHealth()  # supervised workers: restarted with backoff, seen by /readyz
        threads = [
            supervised_thread(
                f"worker-{i}",
                partial(_run_worker, runtime, i, stop),
                stop,
                health=health,
                max_backoff_s=settings.worker_restart_max_s,
            )
            for i in range(workers)
        ]
        threads.append(
            supervised_thread(
                "scheduler",
                partial(_run_scheduler, runtime, stop),
                stop,
                max_backoff_s=settings.worker_restart_max_s,
            )
        )
        metrics = runtime.serve_metrics(port=0)  # served by the API's /metrics
        if demo:
            threads.append(_thread("traffic", _run_traffic, runtime, rate, stop))
            if not (settings.data_dir / "models").exists():
                threads.append(_thread("train", _train_demo_model, runtime))
        base = f"http://{settings.host}:{settings.port}"
        banner = (
            f"\n[bold green]ringscope is up[/]\n  investigator UI  {base}/\n"
            f"  GraphQL          {base}/graphql\n  metrics          {base}/metrics\n"
            f"  FalkorDB         {runtime.url} (graph {settings.graph!r}, data in {settings.data_dir})\n"
            + (
                f"  demo traffic     {rate:g} tx/s into stream {settings.stream!r}\n"
                if demo
                else ""
            )
            + "  Ctrl-C stops everything.\n"
        )
        # printed once the API accepts connections, not before (a client started on it failed)
        _thread("banner", _announce_when_listening, settings.host, settings.port, banner, stop)
        try:
            _serve_app(runtime, api_processes(settings, api_workers), health)
        finally:
            stop.set()
            metrics.close()
            for thread in threads:
                thread.join(timeout=10)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(up)
