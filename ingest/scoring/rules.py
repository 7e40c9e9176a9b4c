"""Scoring rules as data: a YAML file of reason codes, weights and parameters.

Each rule's ``type`` picks a check below and its ``params`` are validated against that check's
parameter model, so a typo fails at load with the rule and the field named. ``RuleBook`` re-reads
the file when its modification time changes; a broken edit is logged and the old rules stay.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigurationError
from core.events import TransactionEvent
from core.features import Features

logger = logging.getLogger(__name__)

DEFAULT_RULES = Path(__file__).parent / "rules.yaml"
_HOUR_MS = 3_600_000


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AmountSpike(_Params):
    multiple: float = Field(5.0, gt=1)
    min_history: int = Field(5, ge=1)
    min_amount: float = Field(0.0, ge=0)


class ImpossibleTravel(_Params):
    max_gap_minutes: float = Field(60.0, gt=0)


class Velocity(_Params):
    window: Literal["5m", "1h", "24h"] = "5m"
    min_count: int = Field(8, ge=2)
    payments_only: bool = True


class NewEntity(_Params):
    entity: Literal["device", "ip", "any"] = "any"
    min_amount: float = Field(500.0, ge=0)
    min_multiple: float | None = Field(3.0, gt=0)
    min_history: int = Field(3, ge=0)


class SharedEntity(_Params):
    entity: Literal["device", "ip"] = "device"
    min_accounts: int = Field(5, ge=2)


class NewCounterparty(_Params):
    min_amount: float = Field(1000.0, ge=0)
    min_history: int = Field(1, ge=0)


class RefundWithoutPayment(_Params):
    min_amount: float = Field(0.0, ge=0)


class NewAccount(_Params):
    max_age_hours: float = Field(24.0, gt=0)
    min_amount: float = Field(1000.0, ge=0)


Check = Callable[[Any, TransactionEvent, Features], str | None]


def _amount_spike(p: AmountSpike, e: TransactionEvent, f: Features) -> str | None:
    if f.n < p.min_history or f.mean <= 0 or e.amount < p.min_amount:
        return None
    ratio = e.amount / f.mean
    return f"{ratio:.1f}x usual spend of {f.mean:.2f}" if ratio > p.multiple else None


def _impossible_travel(p: ImpossibleTravel, e: TransactionEvent, f: Features) -> str | None:
    if not e.country or not f.prev_country or f.prev_ts is None or e.country == f.prev_country:
        return None
    gap_min = abs(e.ts - f.prev_ts) / 60_000
    if gap_min >= p.max_gap_minutes:
        return None
    return f"{f.prev_country} then {e.country} within {gap_min:.0f} min"


def _velocity(p: Velocity, e: TransactionEvent, f: Features) -> str | None:
    if p.payments_only and e.kind != "payment":
        return None
    prefix = "p" if p.payments_only else "c"
    count = int(getattr(f, f"{prefix}{p.window}"))
    what = "payments" if p.payments_only else "transactions"
    return f"{count} {what} in {p.window}" if count >= p.min_count else None


def _new_entity(p: NewEntity, e: TransactionEvent, f: Features) -> str | None:
    high = e.amount >= p.min_amount or (
        p.min_multiple is not None
        and f.n >= 5
        and f.mean > 0
        and e.amount >= p.min_multiple * f.mean
    )
    if not high or f.n < p.min_history:
        return None
    new = []
    if p.entity in ("device", "any") and f.device_new and f.known_devices > 0:
        new.append("device")
    if p.entity in ("ip", "any") and f.ip_new and f.known_ips > 0:
        new.append("IP")
    return f"new {' and '.join(new)} on {e.amount:.2f}" if new else None


def _shared_entity(p: SharedEntity, e: TransactionEvent, f: Features) -> str | None:
    count = f.device_accounts_24h if p.entity == "device" else f.ip_accounts_24h
    name = "device" if p.entity == "device" else "IP"
    return f"{name} used by {count} accounts in 24h" if count >= p.min_accounts else None


def _new_counterparty(p: NewCounterparty, e: TransactionEvent, f: Features) -> str | None:
    if e.kind != "transfer" or not f.counterparty_new or e.amount < p.min_amount:
        return None
    if f.n < p.min_history:
        return None
    return f"first transfer to {e.counterparty_id}: {e.amount:.2f}"


def _refund(p: RefundWithoutPayment, e: TransactionEvent, f: Features) -> str | None:
    if e.kind != "refund" or f.paid_merchant or e.amount < p.min_amount:
        return None
    return f"refund from {e.merchant_id} without a prior payment"


def _new_account(p: NewAccount, e: TransactionEvent, f: Features) -> str | None:
    if f.age_ms >= p.max_age_hours * _HOUR_MS or e.amount < p.min_amount:
        return None
    return f"{e.amount:.2f} from an account {f.age_ms / _HOUR_MS:.1f} h old"


RuleType = Literal[
    "amount_spike",
    "impossible_travel",
    "velocity",
    "new_entity",
    "shared_entity",
    "new_counterparty",
    "refund_without_payment",
    "new_account",
]
CHECKS: dict[str, tuple[type[_Params], Check]] = {
    "amount_spike": (AmountSpike, _amount_spike),
    "impossible_travel": (ImpossibleTravel, _impossible_travel),
    "velocity": (Velocity, _velocity),
    "new_entity": (NewEntity, _new_entity),
    "shared_entity": (SharedEntity, _shared_entity),
    "new_counterparty": (NewCounterparty, _new_counterparty),
    "refund_without_payment": (RefundWithoutPayment, _refund),
    "new_account": (NewAccount, _new_account),
}


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    type: RuleType
    weight: float = Field(gt=0, le=100)
    description: str = ""
    enabled: bool = True
    params: dict[str, Any] = Field(default_factory=dict)


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(60.0, ge=0, le=100)
    reason_min: float = Field(70.0, ge=0, le=100)


@dataclass(frozen=True)
class Rule:
    code: str
    weight: float
    params: _Params
    check: Check

    def evaluate(self, e: TransactionEvent, f: Features) -> str | None:
        detail = self.check(self.params, e, f)
        return None if detail is None else f"{self.code}: {detail}"


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    model: ModelSpec


def parse_rules(data: Any, source: str = "rules") -> RuleSet:
    """Validate a decoded rules document; errors name the rule and the field."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigurationError(f"{source}: expected a mapping with a 'rules' list")
    unknown = set(data) - {"version", "model", "rules"}
    if unknown:
        raise ConfigurationError(f"{source}: unknown top-level keys {sorted(unknown)}")
    try:
        model = ModelSpec.model_validate(data.get("model") or {})
    except ValidationError as exc:
        raise ConfigurationError(f"{source}: model: {_explain(exc)}") from None
    rules: list[Rule] = []
    for i, raw in enumerate(data["rules"], start=1):
        rule = _parse_rule(raw, f"{source}: rule #{i}")
        if rule is not None:
            if any(r.code == rule.code for r in rules):
                raise ConfigurationError(f"{source}: rule #{i}: duplicate code {rule.code!r}")
            rules.append(rule)
    return RuleSet(tuple(rules), model)


def _parse_rule(raw: Any, where: str) -> Rule | None:
    if isinstance(raw, dict) and isinstance(raw.get("code"), str):
        where = f"{where} ({raw['code']})"
    try:
        spec = RuleSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: {_explain(exc)}") from None
    params_model, check = CHECKS[spec.type]
    try:
        params = params_model.model_validate(spec.params)
    except ValidationError as exc:
        raise ConfigurationError(f"{where}: {_explain(exc, 'params.')}") from None
    return Rule(spec.code, spec.weight, params, check) if spec.enabled else None


def _explain(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        loc = prefix + ".".join(str(p) for p in err["loc"])
        got = f" (got {err['input']!r:.60})" if err["type"] != "missing" else ""
        parts.append(f"field {loc or '(rule)'}: {err['msg']}{got}")
    return "; ".join(parts)


def load_rules(path: Path) -> RuleSet:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read rules: {exc}") from None
    return parse_rules(data, str(path))


class RuleBook:
    """The rules in force, re-read when the file's mtime changes (checked at most every second)."""

    def __init__(self, path: Path | None = None, check_every_s: float = 1.0) -> None:
        self.path = path or DEFAULT_RULES
        self.check_every_s = check_every_s
        self._mtime = self.path.stat().st_mtime_ns if self.path.exists() else 0
        self.rules = load_rules(self.path)
        self._next_check = time.monotonic() + check_every_s

    def current(self) -> RuleSet:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self.check_every_s
            self._maybe_reload()
        return self.rules

    def _maybe_reload(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError as exc:
            logger.error("rules file %s unreadable (%s); keeping the current rules", self.path, exc)
            return
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            self.rules = load_rules(self.path)
        except ConfigurationError as exc:
            logger.error("rules not reloaded, keeping the current ones: %s", exc)
            return
        logger.info("rules reloaded from %s: %d rules", self.path, len(self.rules.rules))
