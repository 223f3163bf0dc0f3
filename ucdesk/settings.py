"""Every setting ucdesk reads, in one typed and documented place.

Two scopes, kept apart:
- ``team``: shared by everyone on one store (region, currency, the lifetime-value model). They live
  in the store itself (table ``team_settings``), so a team sharing one database shares them.
- ``agent``: this agent's own (SIP account, listen address, UI). They live in
  ``<config>/settings.json``. Secrets (the SIP password) are in neither: see ucdesk.secrets.

``ucdesk config get|set KEY [VALUE]`` reads and writes them; ``ucdesk config list`` shows them all.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import phonenumbers

from ucdesk.domain.team import TeamSettings


class SettingError(ValueError):
    pass


class MissingSetting(SettingError):
    """A command needs a setting that has no value. The message names it."""

    def __init__(self, key: str, why: str = "") -> None:
        self.key = key
        super().__init__(
            f"the setting '{key}' is not set{(' (' + why + ')') if why else ''}; "
            f"set it with: ucdesk config set {key} VALUE"
        )


def _parse_region(text: Any) -> str:
    value = str(text).strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingError(f"{text!r} is not a region code phonenumbers knows (e.g. ZA, US, GB)")
    return value


def _parse_currency(text: Any) -> str:
    value = str(text).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise SettingError(f"{text!r} is not an ISO 4217 currency code (e.g. ZAR)")
    return value


def _parse_fraction(text: Any, *, low: float, high: float, key: str) -> float:
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip().replace(",", "."))
    except ValueError as exc:
        raise SettingError(f"{key}: {text!r} is not a number") from exc
    if percent:
        value /= 100.0
    if not (low <= value <= high):
        raise SettingError(f"{key}: {value} is outside {low}..{high}")
    return value


def _parse_int(text: Any, *, low: int, high: int, key: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError as exc:
        raise SettingError(f"{key}: {text!r} is not a whole number") from exc
    if not (low <= value <= high):
        raise SettingError(f"{key}: {value} is outside {low}..{high}")
    return value


def _parse_choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(text: Any) -> str:
        value = str(text).strip().lower()
        if value not in choices:
            raise SettingError(f"{text!r} is not one of: {', '.join(choices)}")
        return value

    return parse


def _parse_bool(text: Any) -> bool:
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{text!r} is not true or false")


def _parse_optional_str(text: Any) -> str | None:
    value = str(text).strip() if text is not None else ""
    return value or None


_SIP_URI_RE = re.compile(
    r"^sips?:(?:(?P<user>[^@\s;:]+)(?P<password>:[^@\s]*)?@)?(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>\d{1,5}))?(?:;[^\s]*)?$",
    re.IGNORECASE,
)


def _parse_sip_uri(text: Any, *, need_user: bool = False) -> str | None:
    value = _parse_optional_str(text)
    if value is None:
        return None
    if not re.match(r"^sips?:", value, re.IGNORECASE):
        value = "sip:" + value
    m = _SIP_URI_RE.match(value)
    if not m or (m.group("port") and not 0 < int(m.group("port")) <= 65535):
        raise SettingError(f"{text!r} is not a SIP address (sip:host or sip:user@host)")
    if m.group("password"):
        raise SettingError("a SIP address must not carry the password (user:password@host): "
                           "keep it in the keyring with: ucdesk password")
    if need_user and not m.group("user"):
        raise SettingError(f"{text!r} names no user: give the account as sip:user@host")
    return value


def _parse_account_uri(text: Any) -> str | None:
    return _parse_sip_uri(text, need_user=True)


def _parse_hostport(text: Any) -> str | None:
    value = _parse_optional_str(text)
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not (0 <= int(port) <= 65535):
        raise SettingError(f"{text!r} is not HOST:PORT")
    if host == "0.0.0.0" and int(port) == 5060:
        raise SettingError("refusing 0.0.0.0:5060: name the interface that reaches the PBX")
    return value


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str
    scope: str                      # "team" | "agent"
    default: Any
    doc: str
    parse: Callable[[Any], Any]

    def coerce(self, value: Any) -> Any:
        return self.parse(value)


def _spec(key: str, scope: str, default: Any, doc: str, parse: Callable[[Any], Any]) -> SettingSpec:
    return SettingSpec(key, scope, default, doc, parse)


SPECS: dict[str, SettingSpec] = {
    s.key: s
    for s in (
        _spec("region", "team", None,
              "Default region for national numbers (ISO 3166 code, e.g. ZA). "
              "Defaults to the country of the system locale.", _parse_region),
        _spec("currency", "team", "ZAR", "Currency of revenue and lifetime values (ISO 4217).",
              _parse_currency),
        _spec("churn", "team", 0.02, "Monthly churn rate, 0..1 (2% is 0.02; '2%' is accepted).",
              lambda v: _parse_fraction(v, low=0.0001, high=1.0, key="churn")),
        _spec("discount", "team", 0.10, "Annual discount rate, 0..1 (10% is 0.10).",
              lambda v: _parse_fraction(v, low=0.0, high=1.0, key="discount")),
        _spec("margin", "team", 1.0, "Gross margin applied to monthly revenue, 0..1.",
              lambda v: _parse_fraction(v, low=0.0, high=1.0, key="margin")),
        _spec("clv.model", "team", "discounted",
              "Which lifetime value the pop shows: discounted, undiscounted or capped.",
              _parse_choice(("discounted", "undiscounted", "capped"))),
        _spec("clv.horizon_months", "team", 60, "Horizon of the capped model, in months.",
              lambda v: _parse_int(v, low=1, high=1200, key="clv.horizon_months")),
        _spec("sip.uri", "agent", None,
              "The agent's SIP address (sip:alice@pbx.example.com). Unset: the demo line.",
              _parse_account_uri),
        _spec("sip.registrar", "agent", None, "Registrar URI (sip:pbx.example.com); unset: none.",
              _parse_sip_uri),
        _spec("sip.proxy", "agent", None,
              "Outbound proxy URI. When set, INVITEs from anywhere else are refused and "
              "P-Asserted-Identity from it is trusted.", _parse_sip_uri),
        _spec("sip.dial_domain", "agent", None,
              "Where numbers are dialled (host[:port]). Unset: the registrar's host, else the "
              "SIP address's host.", _parse_optional_str),
        _spec("sip.user", "agent", None, "Authentication user name (defaults to the URI's user).",
              _parse_optional_str),
        _spec("sip.transport", "agent", "udp", "SIP transport: udp or tcp.",
              _parse_choice(("udp", "tcp"))),
        _spec("sip.listen", "agent", "127.0.0.1:0",
              "Local HOST:PORT for SIP (port 0: a free one). --sip-listen overrides.",
              _parse_hostport),
        _spec("demo.enabled", "agent", True,
              "Start the demo line while no SIP account is configured.", _parse_bool),
        _spec("log.json", "agent", False, "Write the log as one JSON object per line.",
              _parse_bool),
    )
}


def locale_region() -> str | None:
    """The country named by the locale environment (LC_ALL, LC_MESSAGES, LANG), if any.

    Read from the environment, not ``locale.getlocale()``: Python maps ``C.UTF-8`` to
    ``en_US.UTF-8``, which would invent the region US for a machine that named no country.
    """
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        name = os.environ.get(key)
        if not name:
            continue
        m = re.match(r"^[a-z]{2,3}[_-]([A-Za-z]{2})\b", name)
        if m and m.group(1).upper() in phonenumbers.SUPPORTED_REGIONS:
            return m.group(1).upper()
        return None  # the first variable that is set decides, as for the C library
    return None


class Backend(Protocol):
    """Where one scope's explicit values live."""

    def load(self) -> dict[str, Any]: ...
    def save(self, key: str, value: Any) -> None: ...
    def delete(self, key: str) -> None: ...


class JsonFileBackend:
    """The agent's settings file. Written atomically; unknown keys are kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise SettingError(f"cannot read {self.path.name}: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingError(f"{self.path.name} does not hold an object")
        return data

    def _write(self, data: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def save(self, key: str, value: Any) -> None:
        with self._lock:
            data = self.load()
            data[key] = value
            self._write(data)

    def delete(self, key: str) -> None:
        with self._lock:
            data = self.load()
            if data.pop(key, None) is not None:
                self._write(data)


class MemoryBackend:
    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def load(self) -> dict[str, Any]:
        return dict(self.values)

    def save(self, key: str, value: Any) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


class Settings:
    """Typed access to both scopes. Listeners hear ``(key, value)`` after every change."""

    def __init__(self, agent: Backend, team: Backend) -> None:
        self._backends = {"agent": agent, "team": team}
        self._cache: dict[str, dict[str, Any]] = {"agent": agent.load(), "team": team.load()}
        self._listeners: list[Callable[[str, Any], None]] = []

    @staticmethod
    def spec(key: str) -> SettingSpec:
        try:
            return SPECS[key]
        except KeyError:
            raise SettingError(
                f"unknown setting {key!r}; known: {', '.join(sorted(SPECS))}"
            ) from None

    def reload(self) -> None:
        for scope, backend in self._backends.items():
            self._cache[scope] = backend.load()

    def is_set(self, key: str) -> bool:
        spec = self.spec(key)
        return self._cache[spec.scope].get(key) is not None

    def get(self, key: str) -> Any:
        spec = self.spec(key)
        raw = self._cache[spec.scope].get(key)
        if raw is not None:
            try:
                return spec.coerce(raw)
            except SettingError:
                pass  # a hand-edited bad value falls back to the default
        if key == "region":
            return locale_region()
        return spec.default

    def require(self, key: str, why: str = "") -> Any:
        value = self.get(key)
        if value is None:
            raise MissingSetting(key, why)
        return value

    def set(self, key: str, value: Any) -> Any:
        """Parse, validate and store. ``None`` or an empty string unsets the key."""
        spec = self.spec(key)
        backend = self._backends[spec.scope]
        if value is None or (isinstance(value, str) and not value.strip()):
            backend.delete(key)
            self._cache[spec.scope].pop(key, None)
            typed = self.get(key)
        else:
            typed = spec.coerce(value)
            backend.save(key, typed)
            self._cache[spec.scope][key] = typed
        for listener in list(self._listeners):
            listener(key, typed)
        return typed

    def add_listener(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def items(self) -> Iterator[tuple[SettingSpec, Any, bool]]:
        for key in sorted(SPECS):
            yield SPECS[key], self.get(key), self.is_set(key)

    def team(self) -> TeamSettings:
        return TeamSettings(
            region=self.get("region"),
            currency=self.get("currency"),
            churn=self.get("churn"),
            discount=self.get("discount"),
            margin=self.get("margin"),
            clv_model=self.get("clv.model"),
            horizon_months=self.get("clv.horizon_months"),
        )


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
