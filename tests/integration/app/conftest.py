"""The whole app in-process: a real Desk, the real pjsua2 engine, a real SQLite file, real sipp.

Every test here is marked ``sip`` and must run forked (``pytest --forked``): one pjsua2 Endpoint
per process, and the QApplication is created lazily in the forked child (pytest-qt's ``qapp``).
Each test gets its own base directory, its own ``XDG_RUNTIME_DIR`` (so the instance socket is
private) and the "no secure keyring" backend (no D-Bus in the test process).

Nothing blocks the GUI thread while waiting: sipp exits, message traces and database rows are
all awaited with ``qtbot.waitUntil`` so queued engine events keep being delivered.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import shutil  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from tests.helpers.sip import Sipp  # noqa: E402
from tests.integration.app.harness import AppHarness, start  # noqa: E402
from ucdesk.paths import resolve  # noqa: E402


@pytest.fixture
def harness(qapp: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            sipps: list[Sipp]) -> Iterator[AppHarness]:
    """A private runtime dir and base dir for one Desk (started by ``desk``/``start_desk``)."""
    runtime = Path(tempfile.mkdtemp(prefix="ucd-"))   # short: the socket path must stay < 108
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    paths = resolve(tmp_path / "base").ensure()
    assert str(paths.runtime_dir).startswith(str(runtime))
    h = AppHarness(qtbot, tmp_path, paths, sipps)
    yield h
    if h.desk is not None:
        h.desk.shutdown()
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def start_desk(harness: AppHarness) -> Callable[..., Any]:
    """``start_desk({"sip.uri": ..., "sip.dial_domain": ...})``: agent settings, then start."""
    return lambda agent=None: start(harness, dict(agent or {}))


@pytest.fixture
def desk(harness: AppHarness) -> Any:
    """The running Desk with no SIP account: the local account sip:agent@127.0.0.1."""
    return start(harness, {})
