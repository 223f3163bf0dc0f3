"""Call history: a table model over :class:`CallRecord` values and the view around it.

Missed calls stand out (red, bold, the missed icon). Double-click or Enter on a row asks to call
the number back. Names and numbers are remote text: table cells show them literally, and no cell
has a tool tip. The Name column shows the matched customer's name; without a customer it shows the
caller's own (unverified) SIP display name in quotes, marked "(unverified)" and greyed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ucdesk.domain.call import CallRecord, Direction, Outcome
from ucdesk.ui import formatting as fmt
from ucdesk.ui import theme
from ucdesk.ui.icons import icon
from ucdesk.ui.theme import plain_label

__all__ = ["Column", "HistoryModel", "HistoryFilter", "HistoryView", "SORT_ROLE", "RECORD_ROLE"]

SORT_ROLE = Qt.ItemDataRole.UserRole
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
MISSED_COLOR = QColor(theme.DANGER)
UNVERIFIED_COLOR = QColor(theme.MUTED)
_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    DIRECTION = 0
    NUMBER = 1
    NAME = 2
    STARTED = 3
    RING = 4
    TALK = 5
    OUTCOME = 6


HEADERS = ("Direction", "Number", "Name", "Started", "Ring", "Talk", "Outcome")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _sort_time(record: CallRecord) -> float:
    started = record.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return started.timestamp()


def name_text(record: CallRecord) -> str:
    """The Name cell: the customer's name, else the caller's display name marked unverified."""
    if record.customer_name:
        return record.customer_name
    shown = record.display_name.strip()
    return f'"{shown}" (unverified)' if shown else ""


def _plain_name(record: CallRecord) -> str:
    """The name itself, for sorting and filtering."""
    return record.customer_name or record.display_name.strip()


def count_text(shown: int, total: int) -> str:
    """"1 call", "3 calls", or "1 of 3" while filtered."""
    if shown != total:
        return f"{shown} of {total}"
    return f"{total} call" if total == 1 else f"{total} calls"


def call_back_target(record: CallRecord) -> str | None:
    """What to dial to call this record back: the E.164 number, else the raw number."""
    if record.number_e164:
        return record.number_e164
    raw = record.number_raw.strip()
    return None if fmt.is_withheld(raw) else raw


class HistoryModel(QAbstractTableModel):
    """Calls, newest first. ``region`` picks national or international number format."""

    def __init__(self, parent: QObject | None = None, *, region: str | None = None,
                 now: Callable[[], datetime] = _utcnow) -> None:
        super().__init__(parent)
        self._records: list[CallRecord] = []
        self._region = region
        self._now = now
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- public API ------------------------------------------------------------------
    def set_region(self, region: str | None) -> None:
        """Re-format numbers for another default region."""
        self._region = region
        if self._records:
            self.dataChanged.emit(self.index(0, Column.NUMBER),
                                  self.index(len(self._records) - 1, Column.NUMBER))

    def set_records(self, records: Iterable[CallRecord]) -> None:
        """Replace everything shown."""
        self.beginResetModel()
        self._records = sorted(records, key=_sort_time, reverse=True)
        self.endResetModel()

    def upsert(self, record: CallRecord) -> None:
        """Insert a new call (in time order) or update the row with the same id."""
        if record.id is not None:
            for row, old in enumerate(self._records):
                if old.id == record.id:
                    if _sort_time(old) == _sort_time(record):
                        self._records[row] = record
                        self.dataChanged.emit(self.index(row, 0),
                                              self.index(row, len(Column) - 1))
                        return
                    self.beginRemoveRows(QModelIndex(), row, row)
                    del self._records[row]
                    self.endRemoveRows()
                    break
        key = _sort_time(record)
        row = next((i for i, r in enumerate(self._records) if _sort_time(r) < key),
                   len(self._records))
        self.beginInsertRows(QModelIndex(), row, row)
        self._records.insert(row, record)
        self.endInsertRows()

    def record_at(self, row: int) -> CallRecord:
        """The record shown in ``row`` (model order, newest first)."""
        return self._records[row]

    def records(self) -> list[CallRecord]:
        return list(self._records)

    # ---- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = section in (Column.RING, Column.TALK)
            horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        column = Column(index.column())
        missed = record.outcome is Outcome.MISSED
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == SORT_ROLE:
            return self._sort_value(record, column)
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.DecorationRole and column is Column.DIRECTION:
            return self._icon(record)
        if role == Qt.ItemDataRole.ForegroundRole:
            if missed:
                return MISSED_COLOR
            if column is Column.NAME and not record.customer_name:
                return UNVERIFIED_COLOR
        if role == Qt.ItemDataRole.FontRole and missed:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.RING, Column.TALK):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, record: CallRecord, column: Column) -> str:
        if column is Column.DIRECTION:
            return fmt.direction_text(record.direction)
        if column is Column.NUMBER:
            return fmt.display_number(record.number_e164, record.number_raw, self._region)
        if column is Column.NAME:
            return name_text(record)
        if column is Column.STARTED:
            return fmt.local_time(record.started_at, self._now())
        if column is Column.RING:
            return fmt.short_duration(record.ring_seconds)
        if column is Column.TALK:
            return fmt.short_duration(record.talk_seconds)
        return fmt.outcome_text(record.outcome)

    def _sort_value(self, record: CallRecord, column: Column) -> Any:
        if column is Column.STARTED:
            return _sort_time(record)
        if column is Column.RING:
            return record.ring_seconds or 0.0
        if column is Column.TALK:
            return record.talk_seconds or 0.0
        if column is Column.NAME:
            return _plain_name(record).casefold()
        return self._text(record, column).casefold()

    @staticmethod
    def _icon(record: CallRecord) -> Any:
        if record.outcome is Outcome.MISSED:
            return icon("phone-missed", theme.DANGER)
        if record.direction is Direction.INCOMING:
            return icon("phone-incoming", theme.ACCENT)
        return icon("phone-outgoing", "#2563eb")


class HistoryFilter(QSortFilterProxyModel):
    """Filters history rows by typed text (number or name) and a missed-only switch."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._missed_only = False
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        """Show rows whose number or name contains ``text`` (digits match any number form)."""
        self._refilter(lambda: setattr(self, "_needle", text.strip().casefold()))

    def set_missed_only(self, on: bool) -> None:
        """Show only missed calls."""
        self._refilter(lambda: setattr(self, "_missed_only", on))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        record: CallRecord = model.index(source_row, 0, source_parent).data(RECORD_ROLE)
        if self._missed_only and record.outcome is not Outcome.MISSED:
            return False
        if not self._needle:
            return True
        digits = "".join(ch for ch in self._needle if ch.isdigit())
        number = str(model.index(source_row, Column.NUMBER, source_parent).data())
        for text in (number, _plain_name(record)):
            if self._needle in text.casefold():
                return True
        haystack = " ".join(x for x in (record.number_e164, record.number_raw) if x)
        return bool(digits) and digits in "".join(ch for ch in haystack if ch.isdigit())


class HistoryView(QWidget):
    """The history table with a filter field and a "Missed only" switch.

    Signals:
        call_back_requested(number_or_uri): double-click or Enter on a row with a callable number.
    """

    call_back_requested = Signal(str)

    def __init__(self, model: HistoryModel | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model or HistoryModel(self)
        self.proxy = HistoryFilter(self)
        self.proxy.setSourceModel(self.model)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)

        bar = QHBoxLayout()
        title = plain_label("Recent calls", "title")
        self.count_label = plain_label("", "muted")
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter by name or number")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setMaximumWidth(280)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.missed_only = QCheckBox("Missed only", self)
        self.missed_only.toggled.connect(self.proxy.set_missed_only)
        bar.addWidget(title)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.missed_only)
        lay.addLayout(bar)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((Column.DIRECTION, 120), (Column.NUMBER, 160),
                              (Column.STARTED, 150), (Column.RING, 60), (Column.TALK, 60),
                              (Column.OUTCOME, 110)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._call_back)
        self.table.installEventFilter(self)
        lay.addWidget(self.table, 1)

        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_count)
        self._update_count()

    def focus_table(self) -> None:
        """Put keyboard focus on the table (View > History)."""
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._call_back(self.table.currentIndex())
                return True
        return super().eventFilter(watched, event)

    def _call_back(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        record: CallRecord = self.proxy.data(index, RECORD_ROLE)
        target = call_back_target(record)
        if target:
            self.call_back_requested.emit(target)

    def _update_count(self, *_: object) -> None:
        self.count_label.setText(count_text(self.proxy.rowCount(), self.model.rowCount()))
