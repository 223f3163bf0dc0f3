"""Phone numbers and caller identities, however the network writes them.

Everything that turns text from outside (a SIP header, a CSV cell, a typed number, a tel: link)
into something the store can match goes through :func:`parse_number` or :func:`parse_identity`.

Rules (see docs/architecture.md, "Numbers"):
- only a *valid* number for its region becomes E.164; short PBX extensions and feature codes
  (``1234``, ``*98``) are ``internal`` and are never given a country code;
- withheld identities (``anonymous``, ``Privacy: id``, ``restricted``, an empty user part) are
  ``anonymous`` and never match anything;
- extensions (``x12``, ``ext. 12``, ``;ext=12``) are kept apart from the number.

``phonenumbers`` is a pure data library; it is the one third-party import the domain allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

__all__ = [
    "NumberKind",
    "ParsedNumber",
    "CallerIdentity",
    "parse_number",
    "parse_identity",
    "split_name_addr",
    "warm_up",
    "RegionRequired",
]


class RegionRequired(ValueError):
    """A national number was given and no default region is set."""


class NumberKind(StrEnum):
    E164 = "e164"          # a valid number, normalised
    INTERNAL = "internal"  # PBX extension or feature code: dialled as typed, never international
    ANONYMOUS = "anonymous"  # withheld / unavailable presentation
    SIP = "sip"            # a SIP address whose user part is a name (bob@example.com)
    INVALID = "invalid"    # looked like a number but is not one (e.g. Excel's 2.71156E+10)


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    raw: str
    kind: NumberKind
    e164: str | None = None
    ext: str | None = None
    digits: str | None = None   # for INTERNAL: what to dial
    uri: str | None = None      # for SIP: the address without display name and params
    reason: str | None = None   # for INVALID: why

    @property
    def matchable(self) -> bool:
        return self.kind is NumberKind.E164 and self.e164 is not None

    def dial_string(self) -> str | None:
        """What to put in the user part of a request URI (or the full URI for SIP)."""
        if self.kind is NumberKind.E164:
            return self.e164
        if self.kind is NumberKind.INTERNAL:
            return self.digits
        if self.kind is NumberKind.SIP:
            return self.uri
        return None


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """Who a call is from, as read from the SIP headers."""

    raw: str                    # the header value it came from (From or P-Asserted-Identity)
    display_name: str           # plain text, never markup; "" when none
    number: ParsedNumber
    source: str = "from"        # "from" | "p-asserted-identity"

    @property
    def anonymous(self) -> bool:
        return self.number.kind is NumberKind.ANONYMOUS


_ANON_USERS = frozenset(
    {
        "anonymous", "anonymous.invalid", "unknown", "unavailable", "withheld", "private",
        "restricted", "blocked", "hidden", "unknown caller", "no caller id", "",
    }
)
_ANON_HOSTS = frozenset({"anonymous.invalid"})

_EXT_RE = re.compile(r"(?:\s*;\s*ext=|\s+(?:x|ext\.?|extension)\s*)(\d{1,8})\s*$", re.IGNORECASE)
MAX_NUMBER_TEXT = 64     # longer text is not a phone number (and never reaches a regex)
_INTERNAL_RE = re.compile(r"^[*#]?[0-9*#]{1,8}$")
_DIAL_CHARS_RE = re.compile(r"^[+0-9()\-./\s]+$")
_SCI_RE = re.compile(r"^\s*\d+(?:[.,]\d+)?[eE][+-]?\d+\s*$")
# RFC 3261 user part (unreserved, escaped and user-unreserved characters) and host[:port]
_SIP_USER_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()&=+$,;?/%]*")
# (written so that no input can make it backtrack: labels are split by dots, never nested)
_SIP_HOST_RE = re.compile(r"[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){0,126}\.?(?::\d{1,5})?"
                          r"|\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?")
_NAME_ADDR_RE = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^>]*)>(.*)$')


def warm_up(region: str | None = "ZA") -> None:
    """Load phonenumbers' metadata now, so the first ring does not pay for it."""
    for sample in ("+27115551234", "+12025550123", "+442079460000"):
        n = phonenumbers.parse(sample, None)
        phonenumbers.is_valid_number(n)
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if region:
        try:
            phonenumbers.parse("0115551234", region)
            phonenumbers.example_number(region)
        except phonenumbers.NumberParseException:
            pass


def split_name_addr(value: str) -> tuple[str, str]:
    """Split a SIP name-addr (``"Name" <sip:x@y>;tag=1``) into (display name, URI).

    A bare addr-spec (``sip:x@y;tag=1``) gives ("", the URI without header params).
    The display name is returned as plain text with quoting undone.
    """
    value = value.strip()
    m = _NAME_ADDR_RE.match(value)
    if m:
        quoted, token, uri, _params = m.groups()
        if quoted is not None:
            name = re.sub(r"\\(.)", r"\1", quoted)
        else:
            name = (token or "").strip()
        return name.strip(), uri.strip()
    # addr-spec: header params (;tag=) follow the URI; for a bare URI they cannot be told apart
    # from URI params, which we drop anyway when we read the user part.
    return "", value


def _user_part(uri: str) -> tuple[str | None, str, str]:
    """(scheme, user, host) of a sip:/sips:/tel: URI; scheme None when it is not a URI."""
    m = re.match(r"^(sips?|tel|callto):(.*)$", uri.strip(), re.IGNORECASE)
    if not m:
        return None, uri.strip(), ""
    scheme = m.group(1).lower()
    rest = m.group(2)
    if scheme in ("tel", "callto"):
        rest = rest.lstrip("/")
        user, _, params = rest.partition(";")
        ext = re.search(r"(?:^|;)ext=(\d+)", params, re.IGNORECASE)
        return scheme, user + (f";ext={ext.group(1)}" if ext else ""), ""
    user, at, hostport = rest.partition("@")
    if not at:
        # sip:host with no user part
        return scheme, "", user
    # URI parameters on the user part (;isub, ;ext) and on the host (;user=phone)
    user_main, _, user_params = user.partition(";")
    ext = re.search(r"(?:^|;)ext=(\d+)", user_params, re.IGNORECASE)
    host = re.split(r"[;?]", hostport, maxsplit=1)[0]
    return scheme, user_main + (f";ext={ext.group(1)}" if ext else ""), host


def _unescape(user: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), user)


def parse_number(raw: str, region: str | None) -> ParsedNumber:
    """Parse a number as typed or stored (a CSV cell, the dial box, a tel: URI).

    ``region`` is the default region for national numbers (ISO 3166 alpha-2). When it is None
    and the number is national, :class:`RegionRequired` is raised.
    """
    text = raw.strip()
    scheme, user, host = _user_part(text)
    if scheme in ("sip", "sips"):
        return _parse_sip_user(raw, user, host, region)
    return _parse_digits(raw, _unescape(user) if scheme else text, region)


def _parse_digits(raw: str, text: str, region: str | None) -> ParsedNumber:
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT:
        return ParsedNumber(raw, NumberKind.INVALID,
                            reason=f"{text[:20]!r}… is {len(text)} characters: not a phone number")
    if text.lower() in _ANON_USERS:
        return ParsedNumber(raw, NumberKind.ANONYMOUS)
    if _SCI_RE.match(text):
        return ParsedNumber(
            raw, NumberKind.INVALID,
            reason=f"{text!r} is in scientific notation (a spreadsheet lost its digits)",
        )
    ext: str | None = None
    m = _EXT_RE.search(text)
    if m:
        ext = m.group(1)
        text = text[: m.start()]
    text = text.rstrip("#").strip()
    compact = re.sub(r"[\s\-./()]", "", text)
    if not compact:
        return ParsedNumber(raw, NumberKind.ANONYMOUS)
    if _INTERNAL_RE.match(compact) and not compact.startswith("+") and len(compact.strip("*#")) <= 6:
        return ParsedNumber(raw, NumberKind.INTERNAL, digits=compact)
    if not _DIAL_CHARS_RE.match(text):
        return ParsedNumber(raw, NumberKind.INVALID, reason=f"{text!r} is not a phone number")
    if not compact.startswith("+") and not region:
        raise RegionRequired(
            f"{raw!r} is a national number and no region is set "
            "(set it with: ucdesk config set region XX)"
        )
    try:
        num = phonenumbers.parse(compact, None if compact.startswith("+") else region)
    except phonenumbers.NumberParseException as exc:
        return ParsedNumber(raw, NumberKind.INVALID, reason=f"{text!r}: {exc}")
    if not phonenumbers.is_valid_number(num):
        if compact.lstrip("+").isdigit() and len(compact.lstrip("+")) <= 6:
            return ParsedNumber(raw, NumberKind.INTERNAL, digits=compact)
        return ParsedNumber(raw, NumberKind.INVALID, reason=f"{text!r} is not a valid number")
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return ParsedNumber(raw, NumberKind.E164, e164=e164, ext=ext or (num.extension or None))


def _parse_sip_user(raw: str, escaped_user: str, host: str, region: str | None) -> ParsedNumber:
    user = _unescape(escaped_user)
    if host.lower() in _ANON_HOSTS or user.strip().lower() in _ANON_USERS:
        return ParsedNumber(raw, NumberKind.ANONYMOUS)
    candidate = user.split(";", 1)[0]
    compact = re.sub(r"[\s\-./()]", "", candidate).rstrip("#")
    if re.fullmatch(r"\+?[0-9]+|[*#]?[0-9*#]+", compact):
        try:
            parsed = _parse_digits(raw, user, region)
        except RegionRequired:
            raise
        if parsed.kind in (NumberKind.E164, NumberKind.INTERNAL):
            return parsed
        # digits that are not a valid number: keep it dialable as a SIP address
    if not _SIP_USER_RE.fullmatch(escaped_user) or (host and not _SIP_HOST_RE.fullmatch(host)) or (
            not host and not _SIP_HOST_RE.fullmatch(escaped_user)):
        return ParsedNumber(raw, NumberKind.INVALID,
                            reason=f"{raw.strip()[:80]!r} is not a valid SIP address")
    addr = f"sip:{escaped_user}@{host}" if host else f"sip:{escaped_user}"
    return ParsedNumber(raw, NumberKind.SIP, uri=addr)


def parse_identity(
    from_header: str,
    region: str | None,
    *,
    p_asserted_identity: str | None = None,
    privacy: str | None = None,
    trust_pai: bool = False,
) -> CallerIdentity:
    """Work out who is calling from the headers of an incoming INVITE.

    P-Asserted-Identity is used when present and ``trust_pai`` (the INVITE came from the
    configured proxy); otherwise From. ``Privacy: id`` (or ``header``/``user``) or a withheld
    user makes the caller anonymous. A missing region never raises here: a national caller
    number without a region is kept as a SIP address rather than failing the ring.
    """
    header, source = from_header, "from"
    if trust_pai and p_asserted_identity and p_asserted_identity.strip():
        # PAI may carry several values (sip and tel); prefer the first that parses to a number
        header, source = _first_value(p_asserted_identity), "p-asserted-identity"
    name, uri = split_name_addr(header)
    if not uri.lower().startswith(("sip:", "sips:", "tel:")) and "<" not in header:
        # no URI at all: "Private", "restricted"
        uri = header.strip()
    try:
        number = parse_number(uri, region)
    except RegionRequired:
        number = ParsedNumber(uri, NumberKind.SIP, uri=uri)
    privacy_tokens = {t.strip().lower() for t in (privacy or "").split(";")}
    if privacy_tokens & {"id", "header", "user"} or name.strip().lower() in ("anonymous", "withheld"):
        number = ParsedNumber(uri, NumberKind.ANONYMOUS)
    if number.kind is NumberKind.ANONYMOUS:
        name = name if name.strip().lower() not in ("", "anonymous") else ""
    return CallerIdentity(raw=header.strip(), display_name=name, number=number, source=source)


def _first_value(header: str) -> str:
    depth, start = 0, 0
    for i, ch in enumerate(header):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            return header[start:i].strip()
    return header[start:].strip()


def format_for_display(e164: str | None, region: str | None = None) -> str:
    """A readable form of an E.164 number: national when it is in the region, else international."""
    if not e164:
        return ""
    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if region and phonenumbers.region_code_for_number(num) == region.upper():
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
