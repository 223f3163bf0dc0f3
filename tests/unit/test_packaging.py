"""A plain `pip install .` must carry everything the app opens at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_resources_migrations_and_the_console_script(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    wheels = list(tmp_path.glob("ucdesk-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as whl:
        names = set(whl.namelist())
        entry_points = next(whl.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    for icon in (ROOT / "resources" / "icons").glob("*.svg"):
        assert f"ucdesk/resources/icons/{icon.name}" in names
    assert "ucdesk/resources/sounds/ring.wav" in names
    assert "ucdesk/store/migrations/env.py" in names
    assert any(n.startswith("ucdesk/store/migrations/versions/0001") for n in names)
    assert "ucdesk = ucdesk.__main__:main" in entry_points
    assert not any(n.startswith(("tests/", "resources/")) for n in names)
