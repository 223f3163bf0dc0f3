"""Team settings kept in the store (table ``team_settings``), so a team sharing one database
shares them. Implements :class:`ucdesk.settings.Backend`; values are stored as JSON text."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select, update

from ucdesk.store._util import utcnow
from ucdesk.store.database import Database
from ucdesk.store.schema import team_settings

_T = team_settings.c


class TeamSettingsBackend:
    def __init__(self, db: Database) -> None:
        self.db = db

    def load(self) -> dict[str, Any]:
        with self.db.read_connection() as conn:
            rows = conn.execute(select(_T.key, _T.value)).all()
        out: dict[str, Any] = {}
        for key, text in rows:
            try:
                out[key] = json.loads(text)
            except ValueError:
                continue  # a hand-edited row that is not JSON: treat as unset
        return out

    def save(self, key: str, value: Any) -> None:
        text = json.dumps(value)
        now = utcnow()
        with self.db.session() as s:
            done = s.execute(update(team_settings).where(_T.key == key)
                             .values(value=text, updated_at=now))
            if done.rowcount == 0:  # type: ignore[attr-defined]
                s.execute(insert(team_settings).values(key=key, value=text, updated_at=now))

    def delete(self, key: str) -> None:
        with self.db.session() as s:
            s.execute(delete(team_settings).where(_T.key == key))
