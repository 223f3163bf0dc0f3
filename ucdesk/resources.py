"""Where ucdesk's bundled files (icons, sounds) live at run time.

An installed wheel carries them as ``ucdesk/resources`` (the build maps the repository's top-level
``resources/`` there); a source checkout has them in ``resources/`` next to the package. Qt-free, so
anything may ask for a path.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from pathlib import Path

__all__ = ["resource_root", "resource_path", "icon_file", "sound_file"]


@lru_cache(maxsize=1)
def resource_root() -> Path:
    """The folder holding ``icons/`` and ``sounds/``."""
    try:
        packaged = importlib.resources.files("ucdesk") / "resources"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A file under the resource root (not checked for existence)."""
    return resource_root().joinpath(*parts)


def icon_file(name: str) -> Path:
    """``resources/icons/<name>.svg``."""
    return resource_path("icons", f"{name}.svg")


def sound_file(name: str) -> Path:
    """``resources/sounds/<name>`` (give the extension, e.g. ``ring.wav``)."""
    return resource_path("sounds", name)
