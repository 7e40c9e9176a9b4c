"""The API's batched lookups, lists and verdict/workflow writes on FalkorDB (DataLoaders call these
with many ids at once: one query each)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from core.errors import NotFoundError
from core.investigation import (
    AccountView,
    DetectionRunView,
    LinkView,
    RingFilter,
    RingMemberView,
    RingVersionView,
    RingView,
    VerdictView,
)
from core.transactions import TransactionRecord
from graph.read_client import ReadClient

logger = logging.getLogger(__name__)


def _pick(cls: type, props: dict[str, Any]) -> Any:
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    known = {k: v for k, v in props.items() if k in fields}
    for name in ("typologies", "reasons", "members"):
        if name in known and name in fields:
            known[name] = tuple(known[name] or ())
    return cls(**known)


def _group(ids: Sequence[str], rows: list[list[Any]], build: Any) -> list[list[Any]]:
    out: dict[str, list[Any]] = {i: [] for i in ids}
    for row in rows:
        out[row[0]].append(build(row))
    return [out[i] for i in ids]


def _member_view(r: list[Any]) -> RingMemberView:
    """A row of ``api_ring_members`` / ``api_ring_victims``."""
    return RingMemberView(ring_id=r[0], account_id=r[1], risk=r[2], role=r[3], account_risk=r[4])


class FalkorLookups(ReadClient):
    """Lookups by id, ring and run lists, verdicts and ring workflow."""

    async def accounts(self, ids: Sequence[str]) -> list[AccountView | None]:
        found = {
            r[0]: _pick(AccountView, r[1])
            for r in await self._rows("api_accounts", {"ids": list(ids)})
        }
        return [found.get(i) for i in ids]

    async def transactions(self, ids: Sequence[str]) -> list[TransactionRecord | None]:
        rows = await self._rows("api_transactions", {"ids": list(ids)})
        found = {r[0]: TransactionRecord.from_properties(r[1]) for r in rows}
        return [found.get(i) for i in ids]

    async def account_links(self, ids: Sequence[str]) -> list[list[LinkView]]:
        rows = await self._rows("api_account_links", {"ids": list(ids), "limit": 500 * len(ids)})
        return _group(
            ids,
            rows,
            lambda r: LinkView(
                id=r[1],
                type=r[2],
                direction="out" if r[3] else "in",
                count=r[4] or 0,
                total=r[5],
                first_ts=r[6],
                last_ts=r[7],
            ),
        )

    async def account_transactions(
        self, account_id: str, since: int, until: int, before: tuple[int, str] | None, limit: int
    ) -> list[TransactionRecord]:
        b_ts, b_id = before if before else (2**62, "")
        params = {
            "account": account_id,
            "since": since,
            "until": until,
            "before_ts": b_ts,
            "before_id": b_id,
            "limit": limit,
        }
        if before is None:  # "strictly older than" with no cursor: everything up to `until`
            params["before_ts"] = until + 1
        sent = await self._rows("api_account_transactions_sent", params)
        received = await self._rows("api_account_transactions_received", params)
        records = {r[0]["id"]: TransactionRecord.from_properties(r[0]) for r in sent + received}
        return sorted(records.values(), key=lambda t: (t.ts, t.id), reverse=True)[:limit]

    async def account_rings(self, ids: Sequence[str]) -> list[list[RingView]]:
        rows = await self._rows("api_account_rings", {"ids": list(ids)})
        return _group(ids, rows, lambda r: _pick(RingView, r[1]))

    async def rings(self, ids: Sequence[str]) -> list[RingView | None]:
        found = {
            r[0]: _pick(RingView, r[1]) for r in await self._rows("api_rings", {"ids": list(ids)})
        }
        return [found.get(i) for i in ids]

    async def rings_with_members(
        self, ids: Sequence[str]
    ) -> list[tuple[RingView, list[RingMemberView]] | None]:
        """Rings by id with their members, riskiest first: one query for ``ring { members }``."""
        found: dict[str, tuple[RingView, list[RingMemberView]]] = {}
        for r in await self._rows("api_rings_with_members", {"ids": list(ids)}):
            members = [_member_view([r[0], *m]) for m in r[2]]
            found[r[0]] = (_pick(RingView, r[1]), members)
        return [found.get(i) for i in ids]

    async def ring_members(self, ids: Sequence[str]) -> list[list[RingMemberView]]:
        rows = await self._rows("api_ring_members", {"ids": list(ids)})
        return _group(ids, rows, _member_view)

    async def ring_victims(self, ids: Sequence[str]) -> list[list[RingMemberView]]:
        rows = await self._rows("api_ring_victims", {"ids": list(ids)})
        return _group(ids, rows, _member_view)

    async def ring_versions(self, ids: Sequence[str]) -> list[list[RingVersionView]]:
        rows = await self._rows("api_ring_versions", {"ids": list(ids)})
        return _group(ids, rows, lambda r: _pick(RingVersionView, {"ring_id": r[0], **r[1]}))

    async def verdicts(self, target_ids: Sequence[str]) -> list[list[VerdictView]]:
        rows = await self._rows("api_verdicts", {"ids": list(target_ids)})
        return _group(target_ids, rows, lambda r: _pick(VerdictView, r[1]))

    # --- lists ------------------------------------------------------------------------------
    @staticmethod
    def _ring_params(flt: RingFilter) -> dict[str, Any]:
        return {
            "status": flt.status,
            "min_score": flt.min_score,
            "typology": flt.typology,
            "since": flt.since,
            "until": flt.until,
        }

    async def list_rings(self, flt: RingFilter, offset: int, limit: int) -> list[RingView]:
        params = {
            **self._ring_params(flt),
            "sort": flt.sort,
            "desc": flt.descending,
            "skip": offset,
            "limit": limit,
        }
        return [_pick(RingView, r[0]) for r in await self._rows("api_list_rings", params)]

    async def count_rings(self, flt: RingFilter) -> int:
        rows = await self._rows("api_count_rings", self._ring_params(flt))
        return int(rows[0][0]) if rows else 0

    async def detection_runs(self, offset: int, limit: int) -> list[DetectionRunView]:
        rows = await self._rows("api_detection_runs", {"skip": offset, "limit": limit})
        return [_pick(DetectionRunView, r[0]) for r in rows]

    async def detection_run(self, run_id: str | None) -> DetectionRunView | None:
        if run_id is None:
            runs = await self.detection_runs(0, 1)
            return runs[0] if runs else None
        rows = await self._rows("api_detection_run", {"id": run_id})
        return _pick(DetectionRunView, rows[0][0]) if rows else None

    async def count_detection_runs(self) -> int:
        rows = await self._rows("api_count_detection_runs")
        return int(rows[0][0]) if rows else 0

    # --- writes -----------------------------------------------------------------------------
    async def record_verdict(self, verdict: VerdictView) -> None:
        name = "api_label_ring" if verdict.target_type == "ring" else "api_label_account"
        params = {
            "vid": verdict.id,
            "target_id": verdict.target_id,
            "verdict": verdict.verdict,
            "reason_code": verdict.reason_code,
            "note": verdict.note,
            "author": verdict.author,
            "at": verdict.at,
        }
        if not await self._write(name, params):
            raise NotFoundError(f"id: no {verdict.target_type} {verdict.target_id[:80]!r}")
        logger.info(
            "verdict %s on %s %s by %s",
            verdict.verdict,
            verdict.target_type,
            verdict.target_id,
            verdict.author,
        )

    async def update_ring_workflow(
        self, ring_id: str, status: str | None, assignee: str | None, at: int
    ) -> RingView | None:
        params = {
            "id": ring_id,
            "status": status,
            "assignee": assignee or None,
            "clear_assignee": assignee == "",
            "at": at,
        }
        rows = await self._write("api_update_ring", params)
        return _pick(RingView, rows[0][0]) if rows else None
