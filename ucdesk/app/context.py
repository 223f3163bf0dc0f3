"""The Qt-free core of one ucdesk base directory: store, settings, repositories, use cases.

The CLI uses it directly when no instance runs; the GUI app builds on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ucdesk.log import event
from ucdesk.paths import Paths
from ucdesk.services.customers import ImportUnusable, import_customers, recompute_all_values
from ucdesk.settings import JsonFileBackend, Settings
from ucdesk.store.calls import CallRepository
from ucdesk.store.customers import CustomerRepository
from ucdesk.store.database import Database
from ucdesk.store.team_settings import TeamSettingsBackend

log = logging.getLogger(__name__)

# team settings that change stored lifetime values when they change
VALUE_KEYS = frozenset({"currency", "churn", "discount", "margin", "clv.model", "clv.horizon_months"})


class Context:
    def __init__(self, paths: Paths, db: Database) -> None:
        self.paths = paths
        self.db = db
        self.settings = Settings(JsonFileBackend(paths.settings_file), TeamSettingsBackend(db))
        self.customers = CustomerRepository(db)
        self.calls = CallRepository(db)

    @classmethod
    @contextmanager
    def open(cls, paths: Paths) -> Iterator[Context]:
        ctx = cls.create(paths)
        try:
            yield ctx
        finally:
            ctx.close()

    @classmethod
    def create(cls, paths: Paths) -> Context:
        paths.ensure()
        return cls(paths, Database.open(str(paths.database_file)))

    def close(self) -> None:
        self.db.close()

    # ---- use cases shared by the CLI and the running instance -----------------------------
    def import_customers(self, path: Path) -> dict[str, Any]:
        """Import a customer CSV; the reply carries the CLI's exit status and messages."""
        try:
            report = import_customers(path, self.db, self.settings)
        except ImportUnusable as exc:
            event(log, "import_unusable", logging.WARNING, file=path.name, reason=str(exc))
            return {"ok": False, "exit": 2, "errors": [f"ucdesk: {exc}"]}
        errors = [f"record {e.record} (line {e.line}): {e.reason}" for e in report.errors]
        summary = (f"imported {report.inserted} new and {report.updated} updated customers"
                   f"{f', rejected {report.rejected}' if report.rejected else ''}")
        return {"ok": True, "exit": 3 if report.rejected else 0, "errors": errors,
                "summary": summary, "inserted": report.inserted, "updated": report.updated,
                "rejected": report.rejected}

    def set_setting(self, key: str, value: Any) -> Any:
        """Set a setting and bring stored values in line with it."""
        typed = self.settings.set(key, value)
        if key in VALUE_KEYS:
            recompute_all_values(self.db, self.settings)
        elif key == "region" and typed:
            self.customers.renormalise(typed)
        event(log, "setting_changed", key=key)
        return typed
