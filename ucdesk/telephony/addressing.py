"""Where a dial string goes: the request URI the engine puts in the INVITE (pure, no pjsua2)."""

from __future__ import annotations

import re

from ucdesk.domain.telephony import AccountConfig
from ucdesk.telephony.sip_message import host_of, port_of

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_VISUAL_SEPARATORS = re.compile(r"[\s\-.()]")


def dial_domain(account: AccountConfig) -> str | None:
    """``host[:port]`` numbers are dialled at: ``account.dial_domain``, else the registrar's."""
    if account.dial_domain:
        return account.dial_domain.strip()
    if account.registrar:
        host = host_of(account.registrar)
        port = port_of(account.registrar)
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{port}" if port else host
    return None


def request_uri(dial_string: str, account: AccountConfig) -> str:
    """The request URI for ``dial_string`` on ``account``.

    * a full ``sip:``/``sips:`` URI is kept as it is;
    * otherwise ``sip:<dial string>@<dial_domain or registrar host>``, with ``;user=phone`` when
      the dial string is an E.164 number (``+`` and digits; spaces, dashes, dots and brackets
      are dropped);
    * ``tel:+27...`` becomes the E.164 case.

    Raises ValueError for an empty dial string or when the account has nowhere to dial.
    """
    text = dial_string.strip()
    if not text:
        raise ValueError("empty dial string")
    lower = text.lower()
    if lower.startswith(("sip:", "sips:")):
        return text
    if lower.startswith("tel:"):
        text = text[4:].split(";", 1)[0]
    compact = _VISUAL_SEPARATORS.sub("", text)
    domain = dial_domain(account)
    if not domain:
        raise ValueError("no dial domain: set AccountConfig.dial_domain or a registrar")
    if _E164.match(compact):
        return f"sip:{compact}@{domain};user=phone"
    if re.fullmatch(r"[0-9*#]+", compact):
        return f"sip:{compact.replace('#', '%23')}@{domain}"
    if "@" in text or any(c in text for c in ' <>"#'):
        raise ValueError(f"not a dial string: {dial_string!r}")
    return f"sip:{text}@{domain}"
