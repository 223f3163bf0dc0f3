"""The ring tone goes to the default audio output (a real PulseAudio server with a null sink);
with no audio device the ring is visual.

The Qt side runs in a child process: Qt Multimedia picks its audio server when it starts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    from ucdesk.app.ringer import Ringer
    w = QWidget()
    alerts = []
    QApplication.alert = staticmethod(lambda widget, ms=0: alerts.append(ms))
    r = Ringer(w)
    print("audible", r.audible, flush=True)
    r.start()
    deadline = time.monotonic() + 5
    playing = False
    while time.monotonic() < deadline:
        app.processEvents()
        if r._effect is not None and r._effect.isPlaying():
            playing = True
            break
        time.sleep(0.02)
    print("playing", playing, flush=True)
    print("alerts", len(alerts), flush=True)
    if playing:
        print("ready", flush=True)
        sys.stdin.readline()          # the parent looks at the sound server meanwhile
    r.stop()
""")


def _child_env(runtime: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
               PULSE_RUNTIME_PATH=str(runtime / "pulse"), PYTHONPATH=os.getcwd())
    return env


@pytest.fixture
def pulse(tmp_path: Path):
    if shutil.which("pulseaudio") is None:
        pytest.fail("PulseAudio is not installed (Debian package pulseaudio; scripts/test installs it)")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = _child_env(runtime)
    env["HOME"] = str(tmp_path)
    proc = subprocess.Popen(
        ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
         "--system=false", "--disable-shm", "--use-pid-file=false",
         "--load=module-null-sink sink_name=virt", "--load=module-native-protocol-unix"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if subprocess.run(["pactl", "info"], env=env, capture_output=True, timeout=5).returncode == 0:
            break
        if proc.poll() is not None:
            pytest.fail(f"PulseAudio did not start: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("PulseAudio did not answer within 15 s")
    yield env
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_the_ring_plays_on_the_default_output(pulse: dict[str, str]) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=pulse, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [child.stdout.readline().strip() for _ in range(4)]
        assert lines[:3] == ["audible True", "playing True", "alerts 0"], (
            lines, child.stderr.read() if child.poll() is not None else "")
        assert lines[3] == "ready"
        streams = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=pulse,
                                 capture_output=True, text=True, timeout=10).stdout
        assert streams.strip(), "nothing is playing into the sound server"
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=15) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_with_no_audio_device_the_ring_is_visual(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = _child_env(runtime)
    env["PULSE_SERVER"] = f"unix:{tmp_path}/nothing-listens-here"
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, input="\n", capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["audible False", "playing False", "alerts 1"]
