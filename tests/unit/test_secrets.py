"""Secrets without a secure keyring: kept in memory for the session, never written anywhere.

The real Secret Service path is in tests/integration/test_keyring_secret_service.py.
"""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import keyring
import keyring.core
import pytest

from ucdesk import cli
from ucdesk import log as ucdesk_log
from ucdesk.app.context import Context
from ucdesk.paths import resolve
from ucdesk.secrets import SecretStore, _secure

PASSWORD = "Tr0ub4dor&3-unit"
URI = "sip:alice@pbx.example.com"





@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return tmp_path / "base"


def files_holding(root: Path, secret: str) -> list[Path]:
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_without_a_secure_keyring_the_secret_is_kept_in_memory_only(no_keyring) -> None:
    store = SecretStore()
    assert store.secure is False
    assert store.backend_name == "memory"
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.fail"
    assert store.get(URI) is None
    assert store.set(URI, PASSWORD) is False          # False: memory, not the keyring
    assert store.get(URI) == PASSWORD                 # usable for this session
    assert SecretStore().get(URI) is None             # ... and only in this process object
    store.delete(URI)
    assert store.get(URI) is None


def test_an_account_change_writes_the_password_to_no_file(no_keyring, base: Path) -> None:
    """What Desk does on an account change, piece by piece: settings, secret store, log."""
    paths = resolve(base)
    log_file = paths.log_file
    ucdesk_log.setup(json_lines=True, log_file=log_file, stream=io.StringIO())
    try:
        ctx = Context.create(paths)
        try:
            for key, value in {"sip.uri": URI, "sip.registrar": "sip:pbx.example.com",
                               "sip.user": "alice", "sip.transport": "tcp"}.items():
                ctx.set_setting(key, value)
            store = SecretStore()
            assert store.set(URI, PASSWORD) is False
            assert store.get(URI) == PASSWORD
            logging.getLogger("ucdesk.test").info("account changed for %s", URI)
        finally:
            ctx.close()
    finally:
        ucdesk_log.shutdown()
    assert URI in paths.settings_file.read_text()
    assert paths.database_file.is_file()
    assert "secret_stored" in log_file.read_text()
    assert files_holding(base, PASSWORD) == []


def _fake(module: str, priority: float = 5, backends: list | None = None) -> object:
    cls = type("Keyring", (), {"priority": priority, "__module__": module})
    obj = cls()
    if backends is not None:
        obj.backends = backends  # type: ignore[attr-defined]
    return obj


def test_which_backends_count_as_secure() -> None:
    secret_service = _fake("keyring.backends.SecretService")
    plaintext = _fake("keyrings.alt.file", priority=0.5)
    assert _secure(secret_service)
    assert not _secure(_fake("keyring.backends.fail", priority=0))
    assert not _secure(_fake("keyring.backends.null", priority=-1))
    assert not _secure(plaintext)
    # a chainer writes to its first backend: as secure as that one
    assert _secure(_fake("keyring.backends.chainer", 10, [secret_service, plaintext]))
    assert not _secure(_fake("keyring.backends.chainer", 10, [plaintext, secret_service]))
    assert not _secure(_fake("keyring.backends.chainer", -1, []))


# ---- ucdesk password, with no instance running ---------------------------------------------

def _run_password(base: Path, stdin: str, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--basedir", str(base), "password"])
    out, err = capsys.readouterr()
    return code, out, err


def test_password_needs_sip_uri(no_keyring, base: Path, capsys, monkeypatch) -> None:
    code, out, err = _run_password(base, PASSWORD + "\n", capsys, monkeypatch)
    assert code == cli.EXIT_ERROR
    assert "'sip.uri' is not set" in err and "ucdesk config set sip.uri" in err
    assert PASSWORD not in out + err


def test_password_without_a_keyring_or_an_instance_is_refused(no_keyring, base: Path, capsys,
                                                              monkeypatch) -> None:
    assert cli.main(["--basedir", str(base), "config", "set", "sip.uri", URI]) == 0
    capsys.readouterr()
    code, out, err = _run_password(base, PASSWORD + "\n", capsys, monkeypatch)
    assert code == cli.EXIT_ERROR
    assert "no secure keyring" in err
    assert "cannot be kept" in err and "Settings > SIP account" in err
    assert PASSWORD not in out + err
    assert files_holding(base, PASSWORD) == []


def test_password_from_empty_stdin_is_an_error(no_keyring, base: Path, capsys,
                                               monkeypatch) -> None:
    assert cli.main(["--basedir", str(base), "config", "set", "sip.uri", URI]) == 0
    capsys.readouterr()
    code, _, err = _run_password(base, "", capsys, monkeypatch)
    assert code == cli.EXIT_ERROR
    assert "no password given" in err
