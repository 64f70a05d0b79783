"""Per-key rate limits through the real app: a key that empties its bucket
gets 429 with Retry-After, counted in /metrics; another key of the same role
is unaffected; the bucket refills with time."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import RateLimit, Settings
from service.store.keys import Role, create_key


def test_a_key_over_its_rate_gets_429_and_its_neighbour_does_not(settings: Settings) -> None:
    tight = settings.model_copy(update={"rate_limits": {"queue": RateLimit(per_second=2, burst=3)}})
    with TestClient(create_app(tight)) as client:
        db = client.app.state.db  # type: ignore[attr-defined]
        first, other = ({"X-API-Key": create_key(db, Role.queue, name)[0]} for name in ("a", "b"))
        admin = {"X-API-Key": create_key(db, Role.admin, "ops")[0]}

        codes = [client.get("/v1/policies", headers=first).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429], codes
        refused = client.get("/v1/policies", headers=first)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "queue" in refused.json()["detail"]
        assert client.get("/v1/policies", headers=other).status_code == 200  # a bucket per key
        unlimited = [client.get("/v1/policies", headers=admin).status_code for _ in range(10)]
        assert unlimited == [200] * 10  # no limit set for admin here

        metrics = client.get("/metrics").text
        assert 'harmlabel_rate_limited_total{role="queue"} 2.0' in metrics

        time.sleep(0.6)  # 2 tokens a second: one is back
        assert client.get("/v1/policies", headers=first).status_code == 200
