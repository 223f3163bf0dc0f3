"""The screen pop: flags, focus, content, picks, first paint."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import HTML_NAME, NOW, make_card
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from ucdesk.domain.customer import CustomerMatch
from ucdesk.ui.screen_pop import ScreenPop


@pytest.fixture
def pop(qtbot):
    widget = ScreenPop(now=lambda: NOW)
    qtbot.addWidget(widget)
    return widget


def visible_texts(pop: ScreenPop) -> list[str]:
    return [lab.text() for lab in pop.findChildren(QLabel) if lab.isVisibleTo(pop) and lab.text()]


def test_window_flags_and_show_without_activating(pop):
    flags = pop.windowFlags()
    for flag in (Qt.WindowType.Tool, Qt.WindowType.WindowStaysOnTopHint,
                 Qt.WindowType.FramelessWindowHint, Qt.WindowType.WindowDoesNotAcceptFocus):
        assert flags & flag == flag
    assert pop.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert pop.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert pop.answer_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert pop.decline_button.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_does_not_steal_focus_from_a_typing_agent(qtbot, pop, match):
    other = QWidget()
    qtbot.addWidget(other)
    edit = QLineEdit(other)
    other.show()
    other.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)

    pop.show_call(1, "Thandi", "0115551234", match, False, "ZA")
    qtbot.waitExposed(pop)
    qtbot.wait(50)
    assert pop.isVisible()
    assert QApplication.activeWindow() is other
    assert not pop.isActiveWindow()
    assert QApplication.focusWidget() is edit
    qtbot.keyClicks(edit, "still typing")
    assert edit.text() == "still typing"


def test_known_customer_content(pop, match):
    pop.show_call(3, "Thandi", "0115551234", match, False, "ZA")
    assert pop.name_label.text() == "Thandi Example"
    assert pop.company_label.text() == "Example Trading"
    assert pop.number_label.text() == "011 555 1234"
    assert pop.ltv_label.text() == "R10,810"
    assert pop.revenue_label.text() == "R1,200 / mo"
    assert pop.tenure_label.text() == "3 yr 2 mo"
    assert pop.last_call_label.text() == "2 days ago"
    assert pop.status_label.text() == "Active customer"  # a customer state, not a call state
    assert pop.cost_label.text() == "R3,500"
    assert pop.cost_caption.text() == "Cost to replace"
    assert not pop.churn_label.isVisibleTo(pop)
    assert not pop.choices.isVisibleTo(pop)
    assert pop.caller_id_row.isVisibleTo(pop)  # "Thandi" differs from the card name
    assert pop.display_name_label.text() == "Thandi"


def test_ltv_is_the_biggest_text(pop, match):
    pop.show_call(3, "", "0115551234", match, False, "ZA")
    sizes = {lab.text(): lab.fontInfo().pixelSize() for lab in pop.findChildren(QLabel)
             if lab.text()}
    assert sizes["R10,810"] == max(sizes.values())


def test_churned_customer(pop):
    card = make_card(ltv=0, churned=True, earned=1_240_000, start=date(2021, 6, 1),
                     end=date(2024, 8, 15), last_call=None)
    pop.show_call(4, "", "+27115551234", CustomerMatch("+27115551234", (card,)), False, "ZA")
    assert pop.status_label.text() == "Churned customer"
    assert pop.churn_label.isVisibleTo(pop)
    assert pop.churn_label.text() == "Churned — R0 remaining; R12,400 earned"
    assert pop.tenure_label.text() == "3 yr 2 mo"
    assert pop.tenure_caption.text() == "WAS A CUSTOMER"
    assert pop.last_call_label.text() == "never"
    assert pop.cost_caption.text() == "Cost to replace"
    assert pop.cost_label.text() == "R3,500"


def test_unknown_caller(pop):
    pop.show_call(5, "", "+44 20 7946 0000", CustomerMatch("+442079460000"), False, "ZA")
    texts = visible_texts(pop)
    assert pop.name_label.text() == "Unknown caller"
    assert pop.number_label.text() == "+44 20 7946 0000"
    assert "R10,810" not in texts and not pop.details.isVisibleTo(pop)
    assert pop.hint_label.text() == "No customer has this number."


def test_unknown_caller_without_match(pop):
    pop.show_call(5, "Bob", "sip:bob@example.org", None, False, "ZA")
    assert pop.name_label.text() == "Unknown caller"
    assert pop.number_label.text() == "sip:bob@example.org"
    assert pop.display_name_label.text() == "Bob"


def test_anonymous_caller(pop, match):
    pop.show_call(6, "", "anonymous", match, True, "ZA")
    assert pop.name_label.text() == "Withheld number"
    assert not pop.number_label.isVisibleTo(pop)
    assert not pop.details.isVisibleTo(pop)
    assert not pop.caller_id_row.isVisibleTo(pop)


def test_html_display_name_is_literal(pop):
    pop.show_call(7, HTML_NAME, "0115551234", None, False, "ZA")
    assert pop.display_name_label.text() == HTML_NAME
    assert pop.display_name_label.textFormat() == Qt.TextFormat.PlainText
    for label in pop.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_html_customer_name_is_literal(pop):
    card = make_card(name=HTML_NAME, company="<i>Co</i>")
    pop.show_call(7, HTML_NAME, "0115551234", CustomerMatch("+27115551234", (card,)), False,
                  "ZA")
    assert pop.name_label.text() == HTML_NAME
    assert pop.company_label.text() == "<i>Co</i>"
    assert pop.name_label.textFormat() == Qt.TextFormat.PlainText
    assert pop.company_label.textFormat() == Qt.TextFormat.PlainText


def test_several_customers_listed_and_picked(qtbot, pop):
    cards = (make_card(11, "Big Spender", "Acme", ltv=5_000_000),
             make_card(12, "Small Fry", "", ltv=90_000))
    pop.show_call(8, "", "0115551234", CustomerMatch("+27115551234", cards), False, "ZA")
    assert pop.choices.isVisibleTo(pop)
    assert pop.choices.count() == 2
    assert pop.choices.item(0).text() == "Big Spender · Acme\nR50,000 lifetime value"
    assert pop.choices.item(1).text() == "Small Fry\nR900 lifetime value"
    assert pop.ltv_label.text() == "R50,000"

    with qtbot.waitSignal(pop.answer_requested) as first:
        qtbot.mouseClick(pop.answer_button, Qt.MouseButton.LeftButton)
    assert first.args == [8, 11]

    pop.choices.setCurrentRow(1)
    assert pop.name_label.text() == "Small Fry"
    assert pop.ltv_label.text() == "R900"
    with qtbot.waitSignal(pop.answer_requested) as picked:
        qtbot.mouseClick(pop.answer_button, Qt.MouseButton.LeftButton)
    assert picked.args == [8, 12]


def test_unknown_answer_carries_none_and_decline(qtbot, pop):
    pop.show_call(9, "", "0115551234", None, False, "ZA")
    with qtbot.waitSignal(pop.answer_requested) as answered:
        pop.answer_button.click()
    assert answered.args == [9, None]
    with qtbot.waitSignal(pop.decline_requested) as declined:
        pop.decline_button.click()
    assert declined.args == [9]


def test_first_painted_once_per_show(qtbot, pop, match):
    seen: list[int] = []
    pop.first_painted.connect(seen.append)
    with qtbot.waitSignal(pop.first_painted, timeout=2000) as painted:
        pop.show_call(10, "", "0115551234", match, False, "ZA")
    assert painted.args == [10]
    pop.update()
    pop.repaint()
    qtbot.wait(30)
    assert seen == [10]
    with qtbot.waitSignal(pop.first_painted, timeout=2000) as again:
        pop.show_call(11, "", "0115551234", match, False, "ZA")
    assert again.args == [11]
    assert seen == [10, 11]


def test_bottom_right_and_dismiss(qtbot, pop, match):
    pop.show_call(12, "", "0115551234", match, False, "ZA")
    area = (pop.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    geo = pop.frameGeometry()
    assert area.right() - geo.right() == 16
    assert area.bottom() - geo.bottom() == 16
    pop.dismiss()
    assert not pop.isVisible()
    assert pop.call_id is None


def test_decline_is_left_and_red_answer_right_and_green(pop, match):
    pop.show_call(13, "", "0115551234", match, False, "ZA")
    decline, answer = pop.decline_button, pop.answer_button
    assert decline.mapTo(pop, decline.rect().topLeft()).x() < \
        answer.mapTo(pop, answer.rect().topLeft()).x()
    assert (decline.property("kind"), answer.property("kind")) == ("danger", "answer")


def fresh_height(qtbot, *args) -> int:
    other = ScreenPop(now=lambda: NOW)
    qtbot.addWidget(other)
    other.show_call(*args)
    return other.height()


def test_fits_its_content_on_every_show(qtbot, pop, match):
    area = (pop.screen() or QGuiApplication.primaryScreen()).availableGeometry()

    def assert_fits_in_the_corner(*args) -> None:
        pop.show_call(*args)
        assert pop.height() == fresh_height(qtbot, *args)
        assert pop.height() == pop.heightForWidth(pop.width())
        geo = pop.frameGeometry()
        assert (area.right() - geo.right(), area.bottom() - geo.bottom()) == (16, 16)

    single = (21, "", "0115551234", match, False, "ZA")
    pop.show_call(*single)
    single_height = pop.height()
    cards = (make_card(11, "Big Spender", "Acme", ltv=5_000_000),
             make_card(12, "Small Fry", "", ltv=90_000))
    two = (22, "", "0115551234", CustomerMatch("+27115551234", cards), False, "ZA")
    assert_fits_in_the_corner(*two)
    assert pop.height() > single_height
    assert_fits_in_the_corner(*single)
    assert pop.height() == single_height  # no leftover gaps from the list
    churned = make_card(ltv=0, churned=True, earned=1_240_000, end=date(2024, 8, 15))
    assert_fits_in_the_corner(23, "", "0115551234", CustomerMatch("+27115551234", (churned,)),
                              False, "ZA")
    assert_fits_in_the_corner(*single)
    assert_fits_in_the_corner(24, "", "0115551234", None, False, "ZA")
    assert_fits_in_the_corner(*two)
    pop.choices.setCurrentRow(1)  # a pick refits too, and stays in the corner
    assert pop.height() == pop.heightForWidth(pop.width())
    geo = pop.frameGeometry()
    assert (area.right() - geo.right(), area.bottom() - geo.bottom()) == (16, 16)


def test_keyboard_pick_among_customers_on_one_number(qtbot):
    pop = ScreenPop()
    qtbot.addWidget(pop)
    a = make_card(1, "Johan Botha", ltv=2_000_000)
    b = make_card(2, "Fatima Adams", ltv=1_000_000)
    pop.show_call(9, "", "021 555 0100", CustomerMatch("+27215550100", (a, b)), False, "ZA")
    with qtbot.waitSignal(pop.customer_picked) as picked:
        pop.pick_next(1)
    assert picked.args == [9, 2]
    assert pop.selected_customer_id() == 2 and pop.name_label.text() == "Fatima Adams"
    pop.pick_next(1)                                   # wraps round
    assert pop.selected_customer_id() == 1
    pop.pick_next(-1)
    assert pop.selected_customer_id() == 2
