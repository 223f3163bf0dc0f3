"""Pure parsing of raw SIP message text (no pjsua2): headers, header values, hosts.

pjsua2 hands the engine the whole INVITE as text (``prm.rdata.wholeMsg``); the few headers the
app needs (Call-ID, From, P-Asserted-Identity, Privacy) are read here. The parser follows RFC 3261
section 7.3 as far as the app needs it:

* header names are case-insensitive and compact forms (``f:`` for From, ``i:`` for Call-ID ...)
  are expanded;
* folded lines (continuation lines starting with a space or tab) are joined with one space;
* a header may appear several times, and one line may carry several comma-separated values
  (commas inside quotes or ``<...>`` do not split).
"""

from __future__ import annotations

from dataclasses import dataclass

COMPACT_FORMS: dict[str, str] = {
    "a": "accept-contact", "b": "referred-by", "c": "content-type", "d": "request-disposition",
    "e": "content-encoding", "f": "from", "i": "call-id", "j": "reject-contact",
    "k": "supported", "l": "content-length", "m": "contact", "n": "identity-info",
    "o": "event", "r": "refer-to", "s": "subject", "t": "to", "u": "allow-events",
    "v": "via", "x": "session-expires", "y": "identity",
}


def canonical_name(name: str) -> str:
    """Lower-case a header name and expand its compact form (``F`` -> ``from``)."""
    key = name.strip().lower()
    return COMPACT_FORMS.get(key, key)


def header_lines(raw: str) -> list[tuple[str, str]]:
    """``(canonical name, value)`` for every header line of ``raw``, folded lines joined.

    The start line is skipped and parsing stops at the first empty line (the body follows).
    Lines without a colon are ignored.
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    unfolded: list[str] = []
    for line in lines[1:]:
        if not line.strip():
            break
        if line.startswith((" ", "\t")) and unfolded:
            unfolded[-1] = unfolded[-1].rstrip() + " " + line.strip()
        else:
            unfolded.append(line)
    out: list[tuple[str, str]] = []
    for line in unfolded:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            continue
        out.append((canonical_name(name), value.strip()))
    return out


def header_values(raw: str, name: str, *, split_commas: bool = False) -> list[str]:
    """Every value of header ``name`` (any case, compact or long form) in message order.

    With ``split_commas`` each line is further split on top-level commas (for headers such as
    P-Asserted-Identity that may list several identities on one line).
    """
    wanted = canonical_name(name)
    values = [v for n, v in header_lines(raw) if n == wanted]
    if not split_commas:
        return values
    return [part for v in values for part in split_top_level(v)]


def header_value(raw: str, name: str) -> str | None:
    """The first value of header ``name``, or None when absent."""
    values = header_values(raw, name)
    return values[0] if values else None


def split_top_level(value: str) -> list[str]:
    """Split a header value on commas that are not inside double quotes or ``<...>``."""
    parts: list[str] = []
    buf: list[str] = []
    in_quotes = False
    depth = 0
    escaped = False
    for ch in value:
        if escaped:
            buf.append(ch)
            escaped = False
            continue
        if ch == "\\" and in_quotes:
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == "<" and not in_quotes:
            depth += 1
        elif ch == ">" and not in_quotes and depth:
            depth -= 1
        elif ch == "," and not in_quotes and depth == 0:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf).strip())
    return [p for p in parts if p]


@dataclass(frozen=True, slots=True)
class InviteSummary:
    """What the engine reports about an incoming INVITE."""

    call_id: str
    from_header: str
    p_asserted_identity: str | None   # several identities joined with ", "
    privacy: str | None


def summarize_invite(raw: str) -> InviteSummary:
    """Read Call-ID, From, P-Asserted-Identity (all values) and Privacy from a raw INVITE."""
    pai = header_values(raw, "P-Asserted-Identity", split_commas=True)
    return InviteSummary(
        call_id=header_value(raw, "Call-ID") or "",
        from_header=header_value(raw, "From") or "",
        p_asserted_identity=", ".join(pai) if pai else None,
        privacy=header_value(raw, "Privacy"),
    )


def host_of(address: str) -> str:
    """The host part of a SIP URI, ``host:port`` or ``[v6]:port`` (lower-cased, no brackets).

    ``sip:proxy.example.com:5060;transport=tcp;lr`` -> ``proxy.example.com``;
    ``<sip:alice@10.0.0.1>`` -> ``10.0.0.1``; ``[::1]:5060`` -> ``::1``.
    """
    text = address.strip().strip("<>")
    lower = text.lower()
    for scheme in ("sips:", "sip:"):
        if lower.startswith(scheme):
            text = text[len(scheme):]
            break
    text = text.split(";", 1)[0].split("?", 1)[0].split(">", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        return text[1:].split("]", 1)[0].lower()
    if text.count(":") > 1:          # a bare IPv6 address without a port
        return text.lower()
    return text.split(":", 1)[0].lower()


def port_of(address: str) -> int | None:
    """The port of ``host:port`` / ``[v6]:port`` / a SIP URI, or None when none is given."""
    text = address.strip().strip("<>")
    lower = text.lower()
    for scheme in ("sips:", "sip:"):
        if lower.startswith(scheme):
            text = text[len(scheme):]
            break
    text = text.split(";", 1)[0].split("?", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        rest = text.split("]", 1)[1] if "]" in text else ""
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        port_text = text.split(":", 1)[1]
    else:
        port_text = ""
    return int(port_text) if port_text.isdigit() else None
