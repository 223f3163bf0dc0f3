"""The bundled SVG icons as QIcons and pixmaps, tinted on demand.

The line icons draw with ``currentColor``; :func:`icon` substitutes a colour before rendering, so one
file serves the muted toolbar look, a white glyph on a green button and a red "missed" mark.
Rendered icons are cached per (name, colour): building one costs a few SVG renders, once.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ucdesk.resources import icon_file

__all__ = ["ICON_NAMES", "icon", "pixmap", "app_icon", "svg_source"]

#: Every icon shipped in ``resources/icons``.
ICON_NAMES = (
    "phone", "phone-hangup", "phone-incoming", "phone-outgoing", "phone-missed", "history",
    "person", "dialpad", "import", "settings", "search", "ucdesk",
)
DEFAULT_COLOR = "#475569"
_SIZES = (16, 20, 24, 32, 48, 64, 128)


@cache
def svg_source(name: str) -> str:
    """The SVG text of ``resources/icons/<name>.svg``."""
    return icon_file(name).read_text(encoding="utf-8")


@cache
def _renderer(name: str, color: str) -> QSvgRenderer:
    data = svg_source(name).replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(data.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError(f"icon {name!r} is not a valid SVG")
    return renderer


def pixmap(name: str, size: int, color: str = DEFAULT_COLOR) -> QPixmap:
    """The icon rendered square at ``size`` pixels on a transparent background."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _renderer(name, color).render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pm


@cache
def icon(name: str, color: str = DEFAULT_COLOR) -> QIcon:
    """A QIcon of the named icon in ``color`` (a ``#rrggbb`` string)."""
    result = QIcon()
    for size in _SIZES:
        result.addPixmap(pixmap(name, size, color))
    return result


def app_icon() -> QIcon:
    """The application icon (full colour)."""
    return icon("ucdesk")
