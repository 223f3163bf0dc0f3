from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ucdesk.paths import resolve


def test_basedir_reroots_everything_and_socket_path_stays_short(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 8)
    p = resolve(deep).ensure()
    for d in (p.config_dir, p.data_dir, p.log_dir):
        assert d.is_dir() and deep in d.parents
    assert len(str(p.socket_path)) < 100
    assert stat.S_IMODE(p.runtime_dir.stat().st_mode) == 0o700
    assert p.runtime_dir.stat().st_uid == os.getuid()


def test_different_basedirs_get_different_sockets(tmp_path: Path) -> None:
    assert resolve(tmp_path / "a").socket_path != resolve(tmp_path / "b").socket_path
    assert resolve(tmp_path / "a").socket_path == resolve(tmp_path / "a").socket_path


def test_runtime_dir_under_xdg_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert resolve(tmp_path / "x").runtime_dir == tmp_path / "ucdesk"
