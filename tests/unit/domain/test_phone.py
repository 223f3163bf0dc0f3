"""Caller identities and numbers, including real-world cases 17, 18 and 19 (tests/data/cases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ucdesk.domain.phone import (
    NumberKind,
    RegionRequired,
    format_for_display,
    parse_identity,
    parse_number,
    split_name_addr,
)

CASES = Path(__file__).resolve().parents[2] / "data" / "cases"


def _expected(case: str) -> list[dict]:
    return json.loads((CASES / f"{case}.expected.json").read_text())["expected"]


def _lines(case: str) -> list[str]:
    text = (CASES / f"{case}.txt").read_text()
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize("case", ["17-sip-uri-national-prefix", "18-caller-id-anonymous"])
def test_case_inputs_match_expected_rows(case: str) -> None:
    assert _lines(case) == [row["raw"] for row in _expected(case)]


@pytest.mark.parametrize("row", _expected("17-sip-uri-national-prefix"), ids=lambda r: r["raw"])
def test_sip_uri_national_prefix_case(row: dict) -> None:
    ident = parse_identity(row["raw"], "ZA")
    assert ident.number.kind.value == row["kind"]
    assert ident.number.e164 == row["e164"]
    assert ident.number.ext == row["ext"]


@pytest.mark.parametrize("row", _expected("18-caller-id-anonymous"), ids=lambda r: r["raw"])
def test_anonymous_case(row: dict) -> None:
    ident = parse_identity(row["raw"], "ZA")
    assert ident.number.kind is NumberKind.ANONYMOUS
    assert ident.number.e164 is None
    assert ident.anonymous
    assert not ident.number.matchable


@pytest.mark.parametrize("row", _expected("19-phone-extensions"), ids=lambda r: r["raw"])
def test_extensions_case(row: dict) -> None:
    n = parse_number(row["raw"], "ZA")
    assert n.kind.value == row["kind"]
    assert n.e164 == row["e164"]
    assert n.ext == row["ext"]
    if "digits" in row:
        assert n.digits == row["digits"]


def test_display_name_is_kept_literally() -> None:
    ident = parse_identity('"<b>X</b><img src=x>" <sip:evil@127.0.0.1:5061>;tag=1', "ZA")
    assert ident.display_name == "<b>X</b><img src=x>"
    assert ident.number.kind is NumberKind.SIP
    assert ident.number.uri == "sip:evil@127.0.0.1:5061"


def test_quoted_display_name_escapes_are_undone() -> None:
    assert split_name_addr(r'"A \"B\" C" <sip:1@x>') == ('A "B" C', "sip:1@x")


def test_privacy_id_makes_any_caller_anonymous() -> None:
    ident = parse_identity("<sip:0115551234@pbx>", "ZA", privacy="id")
    assert ident.anonymous and ident.number.e164 is None


def test_pai_is_used_only_when_trusted() -> None:
    frm = "<sip:4021@pbx>"
    pai = '"Sales" <sip:+27115551234@pbx>, <tel:+27115551234>'
    trusted = parse_identity(frm, "ZA", p_asserted_identity=pai, trust_pai=True)
    assert trusted.number.e164 == "+27115551234"
    assert trusted.source == "p-asserted-identity"
    assert trusted.display_name == "Sales"
    untrusted = parse_identity(frm, "ZA", p_asserted_identity=pai, trust_pai=False)
    assert untrusted.number.kind is NumberKind.INTERNAL
    assert untrusted.number.digits == "4021"


@pytest.mark.parametrize("raw", ["1234", "*98", "#31#", "4021", "sip:1234@pbx", "100"])
def test_short_numbers_never_become_international(raw: str) -> None:
    n = parse_number(raw, "ZA")
    assert n.kind is NumberKind.INTERNAL
    assert n.e164 is None


def test_spreadsheet_scientific_notation_is_rejected_with_a_reason() -> None:
    n = parse_number("2.71156E+10", "ZA")
    assert n.kind is NumberKind.INVALID
    assert "scientific notation" in (n.reason or "")


def test_national_number_without_region_names_the_setting() -> None:
    with pytest.raises(RegionRequired, match="ucdesk config set region"):
        parse_number("011 555 1234", None)
    # international numbers need no region
    assert parse_number("+27 11 555 1234", None).e164 == "+27115551234"


def test_identity_without_region_does_not_raise() -> None:
    ident = parse_identity("<sip:0115551234@pbx>", None)
    assert ident.number.kind is NumberKind.SIP
    assert ident.number.e164 is None


@pytest.mark.parametrize(
    "raw", ["0115551234", "+27 11 555 1234", "0027115551234", "(011) 555-1234", "callto:+27115551234"]
)
def test_spellings_of_one_number(raw: str) -> None:
    assert parse_number(raw, "ZA").e164 == "+27115551234"


def test_sip_address_with_a_name_is_dialable_as_is() -> None:
    n = parse_number("sip:bob@example.com", "ZA")
    assert n.kind is NumberKind.SIP
    assert n.dial_string() == "sip:bob@example.com"


def test_format_for_display_national_in_region_international_elsewhere() -> None:
    assert format_for_display("+27115551234", "ZA") == "011 555 1234"
    assert format_for_display("+27115551234", "US") == "+27 11 555 1234"
    assert format_for_display(None, "ZA") == ""


@pytest.mark.parametrize(
    "raw", ["sip:<b>x</b>@example.com", "sip:bob@exa mple.com", "sip:bob@example.com\"><x",
            "sip:bob@" + "a" * 300 + ".com>"],
)
def test_sip_addresses_with_markup_or_junk_are_refused(raw: str) -> None:
    n = parse_number(raw, "ZA")
    assert n.kind is NumberKind.INVALID
    assert n.dial_string() is None
    assert "not a valid SIP address" in (n.reason or "")


def test_escaped_sip_user_is_kept_escaped() -> None:
    n = parse_number("sip:a%20b@example.org", "ZA")
    assert n.kind is NumberKind.SIP and n.uri == "sip:a%20b@example.org"


def test_hostile_input_is_parsed_in_linear_time() -> None:
    import time

    for raw in ("sip:bob@" + "a" * 5000 + "!", "sip:" + "a-" * 5000 + "@x", "tel:" + "1" * 5000,
                "sip:bob@" + "a." * 3000 + "!", "1" + " " * 5000 + "x", "+" + "1 " * 3000):
        t0 = time.perf_counter()
        parse_number(raw, "ZA")
        parse_identity(f'"x" <{raw}>', "ZA")
        assert time.perf_counter() - t0 < 2.0, raw[:20]  # a guard against backtracking blow-ups
