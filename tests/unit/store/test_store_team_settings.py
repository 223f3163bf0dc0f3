"""Team settings live in the store and work as a ucdesk.settings backend."""

from __future__ import annotations

from ucdesk.settings import MemoryBackend, Settings
from ucdesk.store.database import Database
from ucdesk.store.team_settings import TeamSettingsBackend


def test_load_save_delete_json_values(tmp_path):
    db = Database.open(str(tmp_path / "store.sqlite3"))
    try:
        backend = TeamSettingsBackend(db)
        assert backend.load() == {}
        backend.save("churn", 0.03)
        backend.save("region", "ZA")
        backend.save("nested", {"a": [1, 2]})
        backend.save("churn", 0.05)  # update, not a second row
        assert backend.load() == {"churn": 0.05, "region": "ZA", "nested": {"a": [1, 2]}}
        backend.delete("nested")
        backend.delete("never-set")
        assert backend.load() == {"churn": 0.05, "region": "ZA"}
    finally:
        db.close()


def test_settings_shared_through_the_store(tmp_path):
    path = str(tmp_path / "store.sqlite3")
    db = Database.open(path)
    Settings(MemoryBackend(), TeamSettingsBackend(db)).set("clv.model", "capped")
    db.close()
    db = Database.open(path)
    try:
        other_agent = Settings(MemoryBackend(), TeamSettingsBackend(db))
        assert other_agent.get("clv.model") == "capped"
        assert other_agent.team().clv_model == "capped"
    finally:
        db.close()
