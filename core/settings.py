"""One Settings object, built at start-up from RINGSCOPE_* variables, FALKORDB_URL and .env."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import ConfigurationError


class Settings(BaseSettings):
    """Every knob of ringscope. Field ``x`` is read from ``RINGSCOPE_X`` unless noted."""

    model_config = SettingsConfigDict(
        env_prefix="RINGSCOPE_", env_file=".env", extra="ignore", frozen=True
    )

    falkordb_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FALKORDB_URL", "RINGSCOPE_FALKORDB_URL"),
        description="redis://host:port of an existing FalkorDB; unset starts the embedded one",
    )
    store: Literal["falkordb", "bolt"] = "falkordb"
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER"))
    neo4j_password: str = Field(default="", validation_alias=AliasChoices("NEO4J_PASSWORD"))

    graph: str = "ringscope"
    data_dir: Path = Path(".ringscope")
    embedded_port: int = Field(default=0, ge=0, le=65535, description="0 picks a free port")

    # ingest
    batch_size: int = Field(default=2000, ge=1, le=50_000)
    stream: str = "transactions"
    dead_letter_stream: str = "transactions:dead"
    consumer_group: str = "ringscope"
    claim_idle_ms: int = Field(default=30_000, ge=1000)
    max_event_bytes: int = Field(default=64 * 1024, ge=256)
    identity_salt: str | None = Field(
        default=None,
        min_length=16,
        description="key of the HMAC that hashes phone, email and address; unset: a random key "
        "generated at first start into <data_dir>/identity.salt (mode 0600) and reused",
    )
    max_deliveries: int = Field(
        default=5, ge=1, description="a stream entry delivered more often is set aside (dead)"
    )
    ready_max_lag: int = Field(
        default=10_000, ge=0, description="/readyz is 503 while more entries wait; 0: no limit"
    )
    worker_restart_max_s: float = Field(
        default=30.0, gt=0, description="longest wait before a crashed worker is restarted"
    )

    # scoring and alerts (ingest/scoring, docs/features.md)
    rules_path: Path | None = Field(default=None, description="rules YAML; unset: the defaults")
    score_review_threshold: float = Field(default=50.0, ge=0, le=100)
    score_block_threshold: float = Field(default=85.0, ge=0, le=100)
    feature_ttl_s: int = Field(default=90 * 86400, ge=60, description="idle feature state TTL")
    feature_marker_ttl_s: int = Field(default=7 * 86400, ge=60, description="per-tx_id marker")
    feature_window_cap: int = Field(default=500, ge=10, le=100_000)
    feature_ewma_alpha: float = Field(default=0.1, gt=0, le=1)
    feature_ewma_clip: float = Field(default=3.0, gt=1)
    approved_stream: str = "transactions:approved"
    flagged_stream: str = "transactions:flagged"
    results_stream_maxlen: int = Field(default=100_000, ge=100)
    alerts_stream: str = "alerts"
    alerts_channel: str = "alerts"
    alerts_stream_maxlen: int = Field(default=100_000, ge=100)
    alert_dedup_window_s: int = Field(default=3600, ge=1)
    webhook_urls: list[str] = Field(default_factory=list, description='JSON: ["https://..."]')
    webhook_secret: str = Field(default="", description="HMAC-SHA256 key of webhook signatures")
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_s: float = Field(default=0.5, gt=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_dead_stream: str = "webhooks:dead"

    # detection
    detect_cron: str = Field(default="*/15 * * * *", description="when scheduled runs start")
    detect_hub_accounts: int = Field(
        default=25,
        ge=2,
        description="identifiers (Wi-Fi IPs, shop terminals) shared by more accounts are ignored",
    )
    detect_min_ring_size: int = Field(default=3, ge=2)
    detect_max_ring_size: int = Field(default=60, ge=3)
    detect_window_hours: float = Field(default=72.0, gt=0, description="time window of typologies")
    detect_min_score: float = Field(
        default=35.0, ge=0, le=100, description="weaker rings are not written"
    )
    detect_lock_ttl_s: int = Field(default=900, ge=10)

    # gnn
    model: str = Field(default="latest", description="active GNN model version, or 'latest'")
    gnn_score_batch: int = Field(default=1000, ge=1, le=50_000)

    # api
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_require_auth: bool | None = Field(
        default=None, description="API keys required; unset: required unless bound to loopback"
    )
    api_introspection: bool = True
    api_cors_origins: list[str] = Field(default_factory=list, description='JSON: ["https://..."]')
    api_max_depth: int = Field(default=10, ge=2, le=50)
    api_max_tokens: int = Field(default=2000, ge=50)
    api_max_page: int = Field(default=100, ge=1, le=10_000)
    api_max_nodes: int = Field(default=2000, ge=10, description="node budget of subgraphs")
    api_max_body_bytes: int = Field(default=1_000_000, ge=1024)
    api_timeout_s: float = Field(default=10.0, gt=0)
    api_key_cache_s: float = Field(
        default=5.0,
        ge=0,
        description="how long a verified API key is trusted before Redis is asked again",
    )
    ring_updates_channel: str = "ring-updates"
    case_updates_channel: str = "case-updates"
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description='Host names the API answers (JSON: ["api.example.com", "*.example.com"]); '
        "IP literals always pass; blocks DNS rebinding",
    )
    api_max_cost: int = Field(
        default=20_000, ge=1, description="estimated rows a query may read; refused above"
    )
    api_max_query_bytes: int = Field(default=65_536, ge=256, description="query text length")
    api_max_subscriptions: int = Field(default=20, ge=1, description="operations per WebSocket")
    api_public_introspection: bool = Field(
        default=False, description="with keys required, allow introspection without a key"
    )
    api_public_metrics: bool = Field(
        default=False, description="with keys required, serve /metrics without a key"
    )
    api_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="API processes of `ringscope serve`; 0: CPUs - 1 (one left to FalkorDB), 1 to 4",
    )
    falkordb_read_urls: str = Field(
        default="",
        validation_alias=AliasChoices("FALKORDB_READ_URLS", "RINGSCOPE_FALKORDB_READ_URLS"),
        description="comma-separated redis:// URLs of FalkorDB replicas for API reads",
    )
    read_your_writes_ms: int = Field(
        default=1000, ge=0, description="how long a write waits for replicas to confirm it (WAIT)"
    )

    # operations (ringscope/logging.py, ringscope/metrics.py, ringscope/backup.py)
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="unset: text on a terminal, JSON otherwise"
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="/metrics of worker and scheduler; 0: off"
    )

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> Settings:
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError(
                "webhook_urls need RINGSCOPE_WEBHOOK_SECRET (the HMAC key receivers verify "
                "signatures with); unsigned webhooks can be forged"
            )
        return self


def read_urls(settings: Settings) -> list[str]:
    """The replica URLs of ``FALKORDB_READ_URLS``, in order, without blanks."""
    return [u.strip() for u in settings.falkordb_read_urls.split(",") if u.strip()]


def load_settings(**overrides: object) -> Settings:
    """Build Settings, turning a bad variable into a ConfigurationError that names it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"RINGSCOPE_{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"]
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
