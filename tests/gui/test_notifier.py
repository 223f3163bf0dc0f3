from __future__ import annotations

from ucdesk.ui.notifier import Notifier, missed_call


def test_missed_call_text_prefers_the_customer_then_the_display_name() -> None:
    assert missed_call("Thandi", "011 555 1234", "Thandi Example").body == (
        "Thandi Example — 011 555 1234")
    assert missed_call("Front desk", "011 555 1234", None).body == "Front desk — 011 555 1234"
    assert missed_call("", "", None).body == "Unknown caller"
    assert missed_call("", "Withheld number", None).body == "Withheld number"


def test_markup_in_a_display_name_stays_literal(qapp) -> None:
    note = missed_call("<b>X</b><img src=x>", "sip:evil@127.0.0.1", None)
    assert note.body == "<b>X</b><img src=x> — sip:evil@127.0.0.1"
    n = Notifier()
    n.notify(note)
    assert n.sent[-1].body == "<b>X</b><img src=x> — sip:evil@127.0.0.1"
