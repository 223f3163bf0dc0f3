"""request_uri: dial string -> request URI (pure)."""

from __future__ import annotations

import pytest

from ucdesk.domain.telephony import AccountConfig
from ucdesk.telephony.addressing import dial_domain, request_uri

DEMO = AccountConfig(sip_uri="sip:agent@127.0.0.1", dial_domain="127.0.0.1:5072")
PBX = AccountConfig(sip_uri="sip:alice@pbx.example.com", registrar="sip:pbx.example.com:5061")
NOWHERE = AccountConfig(sip_uri="sip:agent@127.0.0.1")


@pytest.mark.parametrize(("dial", "expected"), [
    ("sip:bob@example.com;transport=tcp", "sip:bob@example.com;transport=tcp"),
    ("SIPS:bob@example.com", "SIPS:bob@example.com"),
    ("0115551234", "sip:0115551234@127.0.0.1:5072"),
    ("+27115551234", "sip:+27115551234@127.0.0.1:5072;user=phone"),
    ("+27 11 555-1234", "sip:+27115551234@127.0.0.1:5072;user=phone"),
    ("tel:+27-11-555-1234", "sip:+27115551234@127.0.0.1:5072;user=phone"),
    ("*98", "sip:*98@127.0.0.1:5072"),
    ("1234#", "sip:1234%23@127.0.0.1:5072"),
    ("support", "sip:support@127.0.0.1:5072"),
    ("  0115551234 ", "sip:0115551234@127.0.0.1:5072"),
])
def test_request_uri_with_dial_domain(dial: str, expected: str) -> None:
    assert request_uri(dial, DEMO) == expected


def test_registrar_host_is_the_fallback_domain() -> None:
    assert dial_domain(PBX) == "pbx.example.com:5061"
    assert request_uri("0115551234", PBX) == "sip:0115551234@pbx.example.com:5061"
    assert dial_domain(AccountConfig(sip_uri="sip:a@b", registrar="sip:[2001:db8::1]")) == \
        "[2001:db8::1]"


def test_dial_domain_wins_over_registrar() -> None:
    acc = AccountConfig(sip_uri="sip:a@b", registrar="sip:pbx.example.com",
                        dial_domain="gw.example.com")
    assert request_uri("100", acc) == "sip:100@gw.example.com"


def test_plus_without_e164_digits_is_not_user_phone() -> None:
    assert request_uri("+0", DEMO) == "sip:+0@127.0.0.1:5072"


@pytest.mark.parametrize("bad", ["", "   ", "a@b", "Bob <x>", 'x"y'])
def test_rejects_what_is_not_a_dial_string(bad: str) -> None:
    with pytest.raises(ValueError):
        request_uri(bad, DEMO)


def test_full_uri_needs_no_domain_but_numbers_do() -> None:
    assert request_uri("sip:bob@10.0.0.2", NOWHERE) == "sip:bob@10.0.0.2"
    with pytest.raises(ValueError, match="dial domain"):
        request_uri("0115551234", NOWHERE)
