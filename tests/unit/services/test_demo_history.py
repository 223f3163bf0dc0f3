from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ucdesk.domain.call import Outcome
from ucdesk.services.customers import seed_demo
from ucdesk.services.demo_history import DEMO_AGENT, seed_demo_history
from ucdesk.settings import MemoryBackend, Settings
from ucdesk.store.calls import CallRepository
from ucdesk.store.database import Database
from ucdesk.store.team_settings import TeamSettingsBackend


def test_demo_history_is_written_once_for_demo_customers(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "s.sqlite3"))
    try:
        settings = Settings(MemoryBackend(), TeamSettingsBackend(db))
        assert seed_demo(db, settings) > 0
        now = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
        assert seed_demo_history(db, now) == 10
        assert seed_demo_history(db, now) == 0          # never twice
        rows = CallRepository(db).list()
        assert len(rows) == 10
        assert {r.agent for r in rows} == {DEMO_AGENT}
        assert all(r.started_at < now and r.customer_id is not None for r in rows)
        assert [r.started_at for r in rows] == sorted((r.started_at for r in rows), reverse=True)
        outcomes = [r.outcome for r in rows]
        assert outcomes.count(Outcome.MISSED) == 2 and outcomes.count(Outcome.ANSWERED) == 5
        for r in rows:
            if r.outcome is Outcome.ANSWERED:
                assert r.talk_seconds and r.talk_seconds > 0
            else:
                assert r.answered_at is None and r.talk_seconds is None
    finally:
        db.close()
