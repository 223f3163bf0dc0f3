"""Where ucdesk keeps its files. ``--basedir DIR`` re-roots all of them (tests, several instances)."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "ucdesk"


@dataclass(frozen=True, slots=True)
class Paths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    runtime_dir: Path     # holds the IPC socket: private to this user
    instance_key: str     # short hash naming this instance's socket

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "ucdesk.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "ucdesk.log"

    @property
    def cli_log_file(self) -> Path:
        """Commands that run without the app (import, config, history) log here, so the app's
        log keeps one format (JSON lines with --json-logging)."""
        return self.log_dir / "ucdesk-cli.log"

    @property
    def socket_path(self) -> Path:
        return self.runtime_dir / f"ucdesk-{self.instance_key}.sock"

    def ensure(self) -> Paths:
        for d in (self.config_dir, self.data_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        _ensure_private_dir(self.runtime_dir)
        return self


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user; refusing to put a socket there")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, 0o700)


def _runtime_root() -> Path:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and Path(xdg).is_dir() and os.access(xdg, os.W_OK):
        return Path(xdg) / APP
    # a private 0700 folder in the temp directory, per user
    return Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"


def resolve(basedir: str | os.PathLike[str] | None = None) -> Paths:
    if basedir is not None:
        root = Path(basedir).expanduser().resolve()
        key_source = str(root)
        config_dir, data_dir, log_dir = root / "config", root / "data", root / "logs"
    else:
        key_source = "default"
        config_dir = Path(platformdirs.user_config_dir(APP, appauthor=False))
        data_dir = Path(platformdirs.user_data_dir(APP, appauthor=False))
        log_dir = Path(platformdirs.user_log_dir(APP, appauthor=False))
    key = hashlib.sha256(key_source.encode()).hexdigest()[:10]
    return Paths(config_dir, data_dir, log_dir, _runtime_root(), key)
