"""Bundled icons and the ring tone are found and valid."""

from __future__ import annotations

import wave

from ucdesk.resources import icon_file, resource_root, sound_file
from ucdesk.ui.icons import ICON_NAMES, app_icon, icon, pixmap


def test_resource_root_is_the_repo_resources_folder():
    root = resource_root()
    assert (root / "icons").is_dir()
    assert (root / "sounds").is_dir()


def test_every_icon_renders(qtbot):
    for name in ICON_NAMES:
        assert icon_file(name).is_file(), name
        image = pixmap(name, 32, "#dc2626").toImage()
        painted = [image.pixelColor(x, y).alpha() for x in range(32) for y in range(32)]
        assert max(painted) == 255, name
        assert not icon(name).isNull()
    assert not app_icon().isNull()


def test_icons_are_tinted(qtbot):
    red = pixmap("phone", 32, "#ff0000").toImage()
    colours = {red.pixelColor(x, y).name() for x in range(32) for y in range(32)
               if red.pixelColor(x, y).alpha() == 255}
    assert colours == {"#ff0000"}


def test_ring_tone():
    path = sound_file("ring.wav")
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1
        assert wav.getsampwidth() == 2
        assert wav.getframerate() == 16_000
        assert 1.8 <= wav.getnframes() / wav.getframerate() <= 2.2
    assert path.stat().st_size < 80_000
