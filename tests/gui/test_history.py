"""Call history: model values and roles, filtering, call back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import HTML_NAME, NOW, make_record
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from ucdesk.domain.call import Direction, Outcome
from ucdesk.ui import theme
from ucdesk.ui.history import RECORD_ROLE, Column, HistoryModel, HistoryView

DISPLAY = Qt.ItemDataRole.DisplayRole


def row_texts(model, row: int) -> list[str]:
    return [model.index(row, c).data(DISPLAY) for c in range(model.columnCount())]


@pytest.fixture
def records():
    return [
        make_record(1, started=NOW - timedelta(hours=3)),
        make_record(2, e164="+27215550199", raw="0215550199", customer=None,
                    display="Cape Deli", started=NOW - timedelta(minutes=30), ring=31,
                    talk=None, outcome=Outcome.MISSED),
        make_record(3, Direction.OUTGOING, e164="+442079460000", raw="+44 20 7946 0000",
                    customer="Amelia Hart", display="", started=NOW - timedelta(hours=2),
                    ring=9, talk=612),
    ]


@pytest.fixture
def model(qtbot, records):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records(records)
    return m


def test_columns_and_newest_first(model):
    headers = [model.headerData(c, Qt.Orientation.Horizontal, DISPLAY)
               for c in range(model.columnCount())]
    assert headers == ["Direction", "Number", "Name", "Started", "Ring", "Talk", "Outcome"]
    assert [model.record_at(r).id for r in range(model.rowCount())] == [2, 3, 1]


def test_answered_incoming_row(model):
    texts = row_texts(model, 2)
    started = (NOW - timedelta(hours=3)).astimezone().strftime("%H:%M")
    assert texts[Column.DIRECTION] == "Incoming"
    assert texts[Column.NUMBER] == "011 555 1234"
    assert texts[Column.NAME] == "Thandi Example"
    assert texts[Column.STARTED].endswith(started)
    assert texts[Column.RING] == "0:05"
    assert texts[Column.TALK] == "2:05"
    assert texts[Column.OUTCOME] == "Answered"
    assert model.index(2, Column.DIRECTION).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(2, Column.DIRECTION).data(Qt.ItemDataRole.FontRole) is None
    assert not model.index(2, Column.DIRECTION).data(Qt.ItemDataRole.DecorationRole).isNull()


def test_missed_row_stands_out(model):
    texts = row_texts(model, 0)
    assert texts[Column.NAME] == '"Cape Deli" (unverified)'  # no customer: the SIP name
    assert texts[Column.NUMBER] == "021 555 0199"
    assert texts[Column.TALK] == ""
    assert texts[Column.RING] == "0:31"
    assert texts[Column.OUTCOME] == "Missed"
    for column in Column:
        index = model.index(0, column)
        color = index.data(Qt.ItemDataRole.ForegroundRole)
        assert QColor(color) == QColor(theme.DANGER)
        font = index.data(Qt.ItemDataRole.FontRole)
        assert isinstance(font, QFont) and font.bold()
    missed_icon = model.index(0, Column.DIRECTION).data(Qt.ItemDataRole.DecorationRole)
    answered_icon = model.index(2, Column.DIRECTION).data(Qt.ItemDataRole.DecorationRole)
    assert missed_icon.pixmap(24).toImage() != answered_icon.pixmap(24).toImage()


def test_outgoing_international_row(model):
    texts = row_texts(model, 1)
    assert texts[Column.DIRECTION] == "Outgoing"
    assert texts[Column.NUMBER] == "+44 20 7946 0000"
    assert texts[Column.NAME] == "Amelia Hart"
    assert texts[Column.TALK] == "10:12"


def test_raw_and_withheld_numbers(qtbot):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records([make_record(1, e164=None, raw="1042", customer=None, display="Reception"),
                   make_record(2, e164=None, raw="anonymous", customer=None, display="",
                               started=NOW - timedelta(hours=5))])
    assert m.index(0, Column.NUMBER).data() == "1042"
    assert m.index(1, Column.NUMBER).data() == "Withheld"


def test_in_progress_call(qtbot):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records([make_record(1, talk=None, outcome=None)])
    assert m.index(0, Column.OUTCOME).data() == "In progress"
    assert m.index(0, Column.RING).data() == ""


def test_upsert_updates_by_id_and_inserts_newest_first(qtbot, model):
    updated = make_record(2, e164="+27215550199", raw="0215550199", customer="Cape Deli Ltd",
                          display="Cape Deli", started=NOW - timedelta(minutes=30), ring=31,
                          talk=None, outcome=Outcome.MISSED)
    with qtbot.waitSignal(model.dataChanged):
        model.upsert(updated)
    assert model.rowCount() == 3
    assert model.index(0, Column.NAME).data() == "Cape Deli Ltd"
    with qtbot.waitSignal(model.rowsInserted):
        model.upsert(make_record(4, started=NOW, talk=None, outcome=None))
    assert [model.record_at(r).id for r in range(model.rowCount())] == [4, 2, 3, 1]
    model.upsert(make_record(5, started=NOW - timedelta(days=3)))
    assert model.record_at(model.rowCount() - 1).id == 5


def test_html_name_is_literal(qtbot):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records([make_record(1, customer=None, display=HTML_NAME)])
    assert m.index(0, Column.NAME).data() == f'"{HTML_NAME}" (unverified)'
    assert all(m.index(0, c).data(Qt.ItemDataRole.ToolTipRole) is None for c in Column)


@pytest.fixture
def view(qtbot, model):
    v = HistoryView(model)
    qtbot.addWidget(v)
    v.resize(900, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_double_click_calls_back_e164(qtbot, view):
    index = view.proxy.index(0, Column.NAME)
    rect = view.table.visualRect(index)
    # a real double-click is press, release, then the double-click event
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.call_back_requested) as called:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
    assert called.args == ["+27215550199"]


def test_enter_calls_back(qtbot, view):
    view.table.setFocus()
    view.table.selectRow(1)
    with qtbot.waitSignal(view.call_back_requested) as called:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert called.args == ["+442079460000"]


def test_call_back_raw_and_not_withheld(qtbot):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records([make_record(1, e164=None, raw="1042"),
                   make_record(2, e164=None, raw="anonymous", started=NOW - timedelta(days=1))])
    v = HistoryView(m)
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.call_back_requested) as called:
        v._call_back(v.proxy.index(0, 0))
    assert called.args == ["1042"]
    with qtbot.assertNotEmitted(v.call_back_requested):
        v._call_back(v.proxy.index(1, 0))


def test_filter_and_missed_only(qtbot, view):
    assert view.count_label.text() == "3 calls"
    view.missed_only.setChecked(True)
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, Column.NAME).data() == '"Cape Deli" (unverified)'
    assert view.count_label.text() == "1 of 3"
    view.missed_only.setChecked(False)
    qtbot.keyClicks(view.filter_edit, "amelia")
    assert view.proxy.rowCount() == 1
    view.filter_edit.setText("7946")  # digits match the number in any format
    assert view.proxy.index(0, Column.NAME).data() == "Amelia Hart"
    view.filter_edit.setText("+27 11 555")
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, Column.NAME).data() == "Thandi Example"
    view.filter_edit.clear()
    assert view.proxy.rowCount() == 3


def test_sorting_by_talk_time(view):
    view.table.sortByColumn(Column.TALK, Qt.SortOrder.DescendingOrder)
    names = [view.proxy.index(r, Column.NAME).data() for r in range(view.proxy.rowCount())]
    assert names == ["Amelia Hart", "Thandi Example", '"Cape Deli" (unverified)']
    view.table.sortByColumn(Column.STARTED, Qt.SortOrder.DescendingOrder)
    record = view.proxy.index(0, 0).data(RECORD_ROLE)
    assert record.id == 2
    assert view.proxy.rowCount(QModelIndex()) == 3


def test_name_column_marks_an_unmatched_display_name_as_unverified(qtbot):
    formula = '=HYPERLINK("http://evil.example/x","Bank")'
    m = HistoryModel(region="ZA", now=lambda: NOW)
    m.set_records([
        make_record(1, customer="Thandi Example", display="Someone Else"),
        make_record(2, customer=None, display=formula, started=NOW - timedelta(hours=2)),
        make_record(3, customer=None, display="  ", started=NOW - timedelta(hours=3)),
    ])
    assert m.index(0, Column.NAME).data() == "Thandi Example"  # matched: the customer
    assert m.index(0, Column.NAME).data(Qt.ItemDataRole.ForegroundRole) is None
    assert m.index(1, Column.NAME).data() == f'"{formula}" (unverified)'
    assert QColor(m.index(1, Column.NAME).data(Qt.ItemDataRole.ForegroundRole)) == \
        QColor(theme.MUTED)  # greyed, still readable
    assert m.index(1, Column.NUMBER).data(Qt.ItemDataRole.ForegroundRole) is None
    assert m.index(2, Column.NAME).data() == ""  # nothing to mark


def test_unverified_names_sort_and_filter_by_the_name_itself(view):
    view.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    names = [view.proxy.index(r, Column.NAME).data() for r in range(view.proxy.rowCount())]
    assert names == ["Amelia Hart", '"Cape Deli" (unverified)', "Thandi Example"]
    view.filter_edit.setText("unverified")
    assert view.proxy.rowCount() == 0
    view.filter_edit.setText("cape")
    assert view.proxy.rowCount() == 1


def test_count_is_singular_for_one_call(qtbot):
    m = HistoryModel(region="ZA", now=lambda: NOW)
    v = HistoryView(m)
    qtbot.addWidget(v)
    assert v.count_label.text() == "0 calls"
    m.upsert(make_record(1))
    assert v.count_label.text() == "1 call"
    m.upsert(make_record(2, started=NOW - timedelta(days=1)))
    assert v.count_label.text() == "2 calls"
    v.filter_edit.setText("no such name")
    assert v.count_label.text() == "0 of 2"
