"""First run with no region: the app asks for one, and a number then matches in that region."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from tests.integration.app.harness import AppHarness
from ucdesk.app.context import Context

pytestmark = pytest.mark.sip


def test_with_no_region_the_app_asks_and_keeps_the_answer(harness: AppHarness,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from ucdesk.app.desk import Desk
    from ucdesk.ui.main_window import MainWindow

    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(key, "C.UTF-8")           # a locale that names no country
    asked: list[str] = []

    def ask_region(self: Any, default: str = "ZA") -> str | None:
        asked.append(default)
        return "GB"

    monkeypatch.setattr(MainWindow, "ask_region", ask_region)
    with Context.open(harness.paths) as ctx:
        assert ctx.settings.get("region") is None
    desk = Desk(harness.paths, argparse.Namespace(
        basedir=str(harness.base), json_logging=False,
        sip_listen=f"127.0.0.1:{harness.sip_port}", no_demo=True))
    harness.desk = desk
    desk.start()
    assert asked == ["ZA"]
    assert desk.ctx is not None and desk.ctx.settings.get("region") == "GB"
    assert desk.ctx.settings.is_set("region")
    number, _match, shown = desk.calls.resolve("020 7946 0000")
    assert number.e164 == "+442079460000" and shown == "020 7946 0000"


def test_the_demo_sets_za_without_asking(harness: AppHarness,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ucdesk.app.desk import Desk
    from ucdesk.ui.main_window import MainWindow

    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setattr(MainWindow, "ask_region",
                        lambda self, default="ZA": pytest.fail("the demo must not ask"))
    desk = Desk(harness.paths, argparse.Namespace(
        basedir=str(harness.base), json_logging=False,
        sip_listen=f"127.0.0.1:{harness.sip_port}", no_demo=False))
    harness.desk = desk
    desk.start()
    assert desk.ctx is not None and desk.ctx.settings.get("region") == "ZA"
    assert desk.demo is not None and desk.demo.running()
    from ucdesk.services.customers import demo_customers

    assert desk.index.customer_count == len(demo_customers())
