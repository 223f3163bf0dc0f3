"""Header parsing of raw SIP text (pure functions, no pjsua2)."""

from __future__ import annotations

import pytest

from ucdesk.telephony.sip_message import (
    canonical_name,
    header_value,
    header_values,
    host_of,
    port_of,
    split_top_level,
    summarize_invite,
)

INVITE = (
    "INVITE sip:agent@127.0.0.1:5062 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "From: \"Thandi Example\" <sip:0115551234@pbx.example.com>;tag=1928301774\r\n"
    "To: <sip:agent@127.0.0.1>\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "P-Asserted-Identity: \"Thandi, Example\" <sip:+27115551234@pbx.example.com>\r\n"
    "P-Asserted-Identity: <tel:+27115551234>\r\n"
    "Privacy: id\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 38\r\n"
    "\r\n"
    "v=0\r\n"
    "From: not-a-header-this-is-body\r\n"
)


def test_summarize_invite_reads_the_four_headers() -> None:
    s = summarize_invite(INVITE)
    assert s.call_id == "a84b4c76e66710@pc33.example.com"
    assert s.from_header == '"Thandi Example" <sip:0115551234@pbx.example.com>;tag=1928301774'
    assert s.p_asserted_identity == (
        '"Thandi, Example" <sip:+27115551234@pbx.example.com>, <tel:+27115551234>')
    assert s.privacy == "id"


def test_body_lines_are_not_headers() -> None:
    assert header_values(INVITE, "From") == [
        '"Thandi Example" <sip:0115551234@pbx.example.com>;tag=1928301774']


def test_compact_forms_and_case_insensitive_names() -> None:
    raw = ("INVITE sip:a@b SIP/2.0\n"
           "f: <sip:0115551234@127.0.0.1>;tag=x\n"
           "i: abc@host\n"
           "CALL-ID: ignored-second\n"
           "p-asserted-identity: <sip:+27115551234@pbx>\n"
           "PRIVACY: none\n\n")
    s = summarize_invite(raw)
    assert s.from_header == "<sip:0115551234@127.0.0.1>;tag=x"
    assert s.call_id == "abc@host"
    assert header_values(raw, "call-id") == ["abc@host", "ignored-second"]
    assert s.p_asserted_identity == "<sip:+27115551234@pbx>"
    assert s.privacy == "none"
    assert header_value(raw, "F") == header_value(raw, "from")
    assert canonical_name(" I ") == "call-id"


def test_folded_headers_are_joined_with_one_space() -> None:
    raw = ("INVITE sip:a@b SIP/2.0\r\n"
           "From: \"Long Name\"\r\n"
           "   <sip:0115551234@127.0.0.1>\r\n"
           "\t;tag=77\r\n"
           "Subject: I know you're there,\r\n"
           " pick up the phone\r\n"
           "\r\n")
    assert header_value(raw, "From") == '"Long Name" <sip:0115551234@127.0.0.1> ;tag=77'
    assert header_value(raw, "s") == "I know you're there, pick up the phone"


def test_several_pai_values_on_one_line_and_commas_inside_quotes() -> None:
    raw = ("INVITE sip:a@b SIP/2.0\n"
           "P-Asserted-Identity: \"Doe, Jane\" <sip:+2711@x>, <tel:+2711;ext=1>,"
           " <sip:a,b@x>\n\n")
    assert header_values(raw, "p-asserted-identity", split_commas=True) == [
        '"Doe, Jane" <sip:+2711@x>', "<tel:+2711;ext=1>", "<sip:a,b@x>"]


def test_missing_headers_give_none_or_empty() -> None:
    s = summarize_invite("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n")
    assert (s.call_id, s.from_header, s.p_asserted_identity, s.privacy) == ("", "", None, None)
    assert summarize_invite("").call_id == ""


def test_split_top_level_handles_escaped_quotes() -> None:
    assert split_top_level(r'"a \", b" <sip:x>, <sip:y>') == [r'"a \", b" <sip:x>', "<sip:y>"]


@pytest.mark.parametrize(("address", "host", "port"), [
    ("sip:proxy.example.com:5060;transport=tcp;lr", "proxy.example.com", 5060),
    ("<sip:alice@10.0.0.1>", "10.0.0.1", None),
    ("sips:Bob@PBX.Example.com", "pbx.example.com", None),
    ("127.0.0.1:5062", "127.0.0.1", 5062),
    ("[::1]:5060", "::1", 5060),
    ("sip:[2001:db8::1]:5070;lr", "2001:db8::1", 5070),
    ("2001:db8::2", "2001:db8::2", None),
])
def test_host_and_port_of(address: str, host: str, port: int | None) -> None:
    assert host_of(address) == host
    assert port_of(address) == port
