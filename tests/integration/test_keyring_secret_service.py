"""The SIP password in a real Secret Service: gnome-keyring on a private D-Bus session bus.

As in docs TESTING.md ("Secrets: a real Secret Service without a desktop"): ``dbus-run-session``
starts a bus, ``gnome-keyring-daemon --unlock --components=secrets`` serves the Secret Service on
it, and a Python child inside the session uses :class:`ucdesk.secrets.SecretStore` and
``ucdesk password``. HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR point into tmp_path, so the keyring
files are the test's own. The session runs in its own process group and is killed by its pid.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60

pytestmark = pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs Debian dbus and gnome-keyring (scripts/test installs them)",
)

SESSION = r"""
eval "$(printf 'test\n' | gnome-keyring-daemon --unlock --components=secrets)"
exec "$UCDESK_PYTHON" "$UCDESK_CHILD"
"""

CHILD = r'''
import io, json, os, sys
from pathlib import Path

import keyring
from ucdesk import cli
from ucdesk.secrets import SecretStore

account = "sip:alice@pbx.example.com"
secret = "Corr3ct-Horse-Battery-" + str(os.getpid())
home = Path(os.environ["HOME"])


def files_holding(value):
    return [str(p) for p in home.rglob("*") if p.is_file() and value.encode() in p.read_bytes()]


store = SecretStore()
out = {"secure": store.secure, "backend": store.backend_name,
       "keyring": type(keyring.get_keyring()).__module__ + "." + type(keyring.get_keyring()).__name__,
       "stored_in_keyring": store.set(account, secret)}
fresh = SecretStore()                     # a new object: nothing in its memory
out["read_back"] = fresh.get(account) == secret
out["plaintext_files"] = files_holding(secret)
fresh.delete(account)
out["after_delete"] = SecretStore().get(account)

# ucdesk password with no instance running: straight into the keyring
base = home / "base"
assert cli.main(["--basedir", str(base), "config", "set", "sip.uri", account]) == 0
sys.stdin = io.StringIO(secret + "-cli\n")
out["cli_exit"] = cli.main(["--basedir", str(base), "password"])
out["cli_read_back"] = SecretStore().get(account) == secret + "-cli"
out["cli_plaintext_files"] = files_holding(secret + "-cli")
SecretStore().delete(account)
print("RESULT " + json.dumps(out), flush=True)
'''


def test_secret_store_uses_the_secret_service(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS",
                        "GNOME_KEYRING_CONTROL")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_RUNTIME_DIR=str(runtime),
               PYTHONPATH=str(REPO_ROOT), UCDESK_PYTHON=sys.executable,
               UCDESK_CHILD=str(child), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", SESSION], env=env, cwd=tmp_path,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)          # its own process group: the bus and the daemon
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=10)
        pytest.fail(f"the D-Bus session did not finish in {TIMEOUT_S} s:\n{stderr[-2000:]}")
    finally:
        try:  # whatever the session left in its group (gnome-keyring-daemon normally exits)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    lines = [x for x in stdout.splitlines() if x.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"rc={proc.returncode}\n{stdout}\n{stderr[-3000:]}"
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["secure"] is True
    assert result["backend"] == "keyring.backends.SecretService.Keyring"
    assert result["keyring"] == "keyring.backends.SecretService.Keyring"
    assert result["stored_in_keyring"] is True
    assert result["read_back"] is True
    assert result["plaintext_files"] == []          # encrypted at rest
    assert result["after_delete"] is None
    assert result["cli_exit"] == 0
    assert result["cli_read_back"] is True
    assert result["cli_plaintext_files"] == []
    assert "Corr3ct-Horse" not in stdout + stderr
