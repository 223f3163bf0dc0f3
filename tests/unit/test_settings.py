from __future__ import annotations

import json
from pathlib import Path

import pytest

from ucdesk.settings import (
    JsonFileBackend,
    MemoryBackend,
    MissingSetting,
    SettingError,
    Settings,
    locale_region,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(JsonFileBackend(tmp_path / "settings.json"), MemoryBackend())


def test_defaults_follow_the_article(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    team = settings.team()
    assert (team.currency, team.churn, team.discount, team.margin) == ("ZAR", 0.02, 0.10, 1.0)
    assert team.clv_model == "discounted"


def test_team_and_agent_settings_are_kept_apart(tmp_path: Path) -> None:
    team = MemoryBackend()
    s = Settings(JsonFileBackend(tmp_path / "settings.json"), team)
    s.set("region", "za")
    s.set("sip.uri", "alice@pbx.example.com")
    assert team.values == {"region": "ZA"}
    on_disk = json.loads((tmp_path / "settings.json").read_text())
    assert on_disk == {"sip.uri": "sip:alice@pbx.example.com"}


def test_percent_and_fraction_spellings(settings: Settings) -> None:
    assert settings.set("churn", "2%") == pytest.approx(0.02)
    assert settings.set("discount", "0,1") == pytest.approx(0.1)
    with pytest.raises(SettingError):
        settings.set("churn", "abc")
    with pytest.raises(SettingError):
        settings.set("margin", "1.5")


def test_unknown_key_and_bad_region_are_refused_with_a_message(settings: Settings) -> None:
    with pytest.raises(SettingError, match="unknown setting"):
        settings.set("colour", "blue")
    with pytest.raises(SettingError, match="region code"):
        settings.set("region", "XX")


def test_listen_address_refuses_all_interfaces_on_5060(settings: Settings) -> None:
    with pytest.raises(SettingError, match="0.0.0.0:5060"):
        settings.set("sip.listen", "0.0.0.0:5060")
    assert settings.set("sip.listen", "127.0.0.1:5070") == "127.0.0.1:5070"


def test_region_from_locale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LC_ALL", "en_ZA.UTF-8")
    assert locale_region() == "ZA"
    s = Settings(MemoryBackend(), MemoryBackend())
    assert s.get("region") == "ZA" and not s.is_set("region")


def test_missing_region_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(k, "C")
    s = Settings(MemoryBackend(), MemoryBackend())
    with pytest.raises(MissingSetting, match="ucdesk config set region"):
        s.require("region")


def test_unset_returns_to_default_and_listeners_hear_changes(settings: Settings) -> None:
    heard: list[tuple[str, object]] = []
    settings.add_listener(lambda k, v: heard.append((k, v)))
    settings.set("currency", "usd")
    settings.set("currency", None)
    assert heard == [("currency", "USD"), ("currency", "ZAR")]
    assert not settings.is_set("currency")


def test_a_hand_edited_bad_value_falls_back_to_default(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"sip.transport": "carrier-pigeon"}')
    s = Settings(JsonFileBackend(tmp_path / "settings.json"), MemoryBackend())
    assert s.get("sip.transport") == "udp"


@pytest.mark.parametrize("lang", ["C.UTF-8", "C", "POSIX", ""])
def test_a_locale_without_a_country_gives_no_region(monkeypatch: pytest.MonkeyPatch,
                                                    lang: str) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang)
    assert locale_region() is None


def test_booleans_and_ranges_are_strict(settings: Settings) -> None:
    assert settings.set("demo.enabled", "off") is False
    assert settings.set("demo.enabled", "Yes") is True
    with pytest.raises(SettingError, match="true or false"):
        settings.set("demo.enabled", "maybe")
    with pytest.raises(SettingError, match="outside"):
        settings.set("discount", "150%")


@pytest.mark.parametrize("key", ["sip.uri", "sip.registrar", "sip.proxy"])
def test_a_password_in_a_sip_address_is_refused(settings: Settings, key: str) -> None:
    with pytest.raises(SettingError, match="ucdesk password"):
        settings.set(key, "sip:alice:s3cret@pbx.example.com")
    assert not settings.is_set(key)
