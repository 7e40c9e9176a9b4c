"""A revoked key stops working at once in every API process, whatever its key cache holds."""

from __future__ import annotations

import time

from graph.falkordb_store import FalkorStore
from ringscope.bootstrap import create_app, key_store
from tests.api.conftest import LocalClient, gql, make_settings


def test_revoking_a_key_reaches_every_process(seeded: FalkorStore) -> None:
    settings = make_settings(seeded.url, seeded.graph_name, host="0.0.0.0", api_key_cache_s=600)
    keys = key_store(seeded.url)
    token, key = keys.create("viewer", "to-revoke")
    auth = {"Authorization": f"Bearer {token}"}
    query = "{ rings { totalCount } }"
    # two app instances: two processes' worth of key caches and pub/sub readers
    with (
        LocalClient(create_app(settings, store=seeded)) as one,
        LocalClient(create_app(settings, store=seeded)) as two,
    ):
        for client in (one, two):
            assert gql(client, query, headers=auth)["data"] == {"rings": {"totalCount": 3}}
        keys.revoke(key.key_id)
        for client in (one, two):
            deadline = time.monotonic() + 5
            while True:
                body = gql(client, query, headers=auth)
                if "errors" in body or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
