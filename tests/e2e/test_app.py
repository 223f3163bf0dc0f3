"""The whole app as a subprocess: real SIP (sipp), the real CLI over the instance socket, the log.

Fixtures (``make_app``, ``scenario``, ``sipps``) are in ``conftest.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.sip import Sipp, free_port, requires_sipp, scenario_path
from ucdesk.insights.clv import discounted_value

pytestmark = [requires_sipp(), pytest.mark.timeout(60)]

HEADER = "customer_id,name,company,phone,monthly_revenue,start_date,end_date,status,acquisition_cost"
THANDI = "C1,Thandi Example,Example Trading,+27115551234,300,2023-01-15,,active,1500"
THANDI_VALUE = 10809.71          # R300/month, 2 % churn, 10 %/year discount (README)
HISTORY_FIELDS = [
    "id", "direction", "number_e164", "raw_identity", "display_name", "customer_id",
    "customer_name", "started_at", "answered_at", "ended_at", "ring_seconds", "talk_seconds",
    "outcome", "lifetime_value", "currency",
]


def _write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _app_with_thandi(make_app: Callable[..., Any], tmp_path: Path) -> Any:
    """An app (--no-demo) with region ZA and Thandi imported before it starts; started."""
    app = make_app(no_demo=True)
    app.cli_ok("config", "set", "region", "ZA")
    r = app.cli_ok("import", "customers", str(_write(tmp_path / "thandi.csv", HEADER, THANDI)))
    assert "imported 1 new" in r.stdout, r.stdout
    app.start()
    return app


def _answered_call(app: Any, scenario: Callable[[str], Path], sipps: list[Any], number: str,
                   *, xml: str = "uac_answered_from.xml", **pop_fields: Any) -> dict[str, Any]:
    """sipp calls from ``number``; the agent answers over the CLI; the caller hangs up.

    Returns the ``screen_pop_shown`` event (which must match ``pop_fields``).
    """
    mark = app.mark()
    sipp = Sipp.uac(scenario(xml), app.sip_port, extra=["-s", number], timeout_s=20)
    sipps.append(sipp)
    pop = app.wait_for("screen_pop_shown", 10, since=mark, **pop_fields)
    app.cli_ok("answer")
    app.wait_for("call_answered", 10, call_id=pop["call_id"])
    app.wait_for("call_ended", 10, call_id=pop["call_id"], outcome="answered")
    result = sipp.wait(15)
    assert result.returncode == 0, result.output
    return pop


def _history(app: Any, rows: int, timeout: float = 5) -> list[dict[str, Any]]:
    """``ucdesk history --format json`` once it has ``rows`` rows, all ended (writes are queued)."""
    deadline = time.monotonic() + timeout
    while True:
        r = app.cli_ok("history", "--format", "json")
        history = json.loads(r.stdout)
        if (len(history) >= rows and all(h["ended_at"] for h in history)) or \
                time.monotonic() > deadline:
            return history
        time.sleep(0.1)


# ---- 1 -----------------------------------------------------------------------------------

def test_sipp_call_answered_then_missed_shows_in_history(make_app, scenario, sipps, tmp_path):
    assert round(discounted_value(300, 0.02, 0.10), 2) == THANDI_VALUE
    app = _app_with_thandi(make_app, tmp_path)
    ready = app.find("app_ready")[0]
    assert ready["demo"] is False and ready["customers"] == 1

    # answered: sipp waits for 200, ACKs, hangs up after 300 ms
    sipp = Sipp.uac(scenario("uac_from_number.xml"), app.sip_port, timeout_s=20)
    sipps.append(sipp)
    pop = app.wait_for("screen_pop_shown", 10, customer_name="Thandi Example")
    assert pop["lifetime_value"] == pytest.approx(THANDI_VALUE, abs=0.006)
    assert _is_number(pop["ms_since_invite"]) and 0 <= pop["ms_since_invite"] < 5000, pop
    assert pop["candidates"] == 1
    r = app.cli_ok("answer")
    assert "answering" in r.stdout
    app.wait_for("call_answered", 10, call_id=pop["call_id"])
    ended = app.wait_for("call_ended", 10, call_id=pop["call_id"])
    assert ended["outcome"] == "answered", ended
    assert ended["talk_seconds"] > 0
    result = sipp.wait(15)
    assert result.returncode == 0, result.output

    # missed: sipp CANCELs after the 180
    mark = app.mark()
    sipp = Sipp.uac(scenario("uac_cancel.xml"), app.sip_port, timeout_s=20)
    sipps.append(sipp)
    ringing = app.wait_for("call_ringing", 10, since=mark)
    missed = app.wait_for("call_ended", 10, call_id=ringing["call_id"])
    assert missed["outcome"] == "missed", missed
    result = sipp.wait(15)
    assert result.returncode == 0, result.output

    history = _history(app, 2)
    assert isinstance(history, list) and len(history) == 2, history
    newest, oldest = history
    for row in history:
        assert list(row)[:len(HISTORY_FIELDS)] == HISTORY_FIELDS, list(row)
        assert row["direction"] == "incoming"
        assert row["number_e164"] == "+27115551234"
        assert "0115551234" in row["raw_identity"]
        assert row["customer_name"] == "Thandi Example"
        assert isinstance(row["customer_id"], int)
        assert row["lifetime_value"] == pytest.approx(THANDI_VALUE, abs=0.006)
        assert row["currency"] == "ZAR"
        assert row["started_at"].endswith("Z") and row["ended_at"].endswith("Z"), row
        assert _is_number(row["ring_seconds"]) and row["ring_seconds"] >= 0
    assert newest["outcome"] == "missed" and oldest["outcome"] == "answered"
    assert newest["started_at"] >= oldest["started_at"] and newest["id"] > oldest["id"]
    assert newest["answered_at"] is None and newest["talk_seconds"] is None
    assert oldest["answered_at"].endswith("Z")
    assert _is_number(oldest["talk_seconds"]) and oldest["talk_seconds"] > 0

    r = app.cli_ok("history", "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout, newline="")))
    assert rows[0] == list(history[0]), rows[0]
    assert rows[0][:len(HISTORY_FIELDS)] == HISTORY_FIELDS
    assert len(rows) == 3, rows
    by_name = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [b["outcome"] for b in by_name] == ["missed", "answered"]
    assert all(b["number_e164"] == "+27115551234" for b in by_name)   # not "'+27..."
    assert by_name[0]["answered_at"] == "" and by_name[0]["talk_seconds"] == ""


# ---- 2 -----------------------------------------------------------------------------------

def test_demo_line_calls_the_agent(make_app):
    app = make_app(no_demo=False)
    app.start()
    ready = app.find("app_ready")[0]
    assert ready["demo"] is True and ready["customers"] > 0, ready
    demo_lines = {pid: info for pid, info in app.children().items()
                  if "ucdesk.telephony.demo_line" in info[1]}
    assert len(demo_lines) == 1, demo_lines
    assert app.cli_ok("config", "get", "region").stdout.strip() == "ZA"

    r = app.cli_ok("demo-call")
    assert "the demo line is calling you from" in r.stdout
    pop = app.wait_for("screen_pop_shown", 10, customer_name=lambda v: bool(v))
    assert _is_number(pop["lifetime_value"]) and pop["lifetime_value"] >= 0
    app.cli_ok("answer")
    app.wait_for("call_answered", 10, call_id=pop["call_id"])
    assert "hanging up" in app.cli_ok("hangup").stdout
    ended = app.wait_for("call_ended", 10, call_id=pop["call_id"])
    assert ended["outcome"] == "answered", ended

    app.stop()
    assert app.returncode == 0
    assert app.find("app_stopped")
    assert set(demo_lines) <= set(app.children_before_stop)
    assert not app.still_alive(demo_lines), demo_lines


# ---- 3 -----------------------------------------------------------------------------------

def test_import_while_running_goes_through_the_instance(make_app, scenario, sipps, tmp_path):
    app = make_app(no_demo=True)
    app.cli_ok("config", "set", "region", "ZA")
    app.start()
    assert app.find("app_ready")[0]["customers"] == 0

    bad = _write(tmp_path / "bad.csv", HEADER,
                 "C2,Sipho Dlamini,Acme,+27215550000,200,2024-01-01,,active,",
                 "C3,Bad Row,Acme,2.71156E+10,100,2024-01-01,,active,",
                 "C4,Lerato Mokoena,Acme,0215559876,150,2024-02-01,,active,")
    r = app.cli("import", "customers", str(bad))
    assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
    records = [ln for ln in r.stderr.splitlines() if re.match(r"^record \d+ \(line \d+\): ", ln)]
    assert len(records) == 1, r.stderr
    assert records[0].startswith("record 2 (line 3): ") and "2.71156E+10" in records[0], records
    assert "imported 2 new" in r.stdout and "rejected 1" in r.stdout, r.stdout
    # carried out by the running instance, which rebuilt its ring index
    app.wait_for("ipc_request", 5, cmd="import_customers")
    app.wait_for("customers_imported", 5, inserted=2, rejected=1)
    app.wait_for("ring_index_built", 5, customers=2)

    pop = _answered_call(app, scenario, sipps, "0215559876", customer_name="Lerato Mokoena")
    assert pop["lifetime_value"] == pytest.approx(
        round(discounted_value(150, 0.02, 0.10), 2), abs=0.006)

    no_phone = _write(tmp_path / "no_phone.csv", "customer_id,name,monthly_revenue",
                      "C9,Nobody,100")
    r = app.cli("import", "customers", str(no_phone))
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "phone" in r.stderr and r.stderr.startswith("ucdesk: "), r.stderr

    r = app.cli("import", "customers", str(_write(tmp_path / "empty.csv", HEADER)))
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.strip() == "", r.stderr
    assert len(app.find("ipc_request", cmd="import_customers")) == 3


# ---- 4 -----------------------------------------------------------------------------------

def test_config_set_while_running_recomputes_values(make_app, scenario, sipps, tmp_path):
    app = _app_with_thandi(make_app, tmp_path)
    r = app.cli_ok("config", "set", "churn", "5%")
    assert r.stdout.strip() == "churn = 0.05", r.stdout
    app.wait_for("ipc_request", 5, cmd="config_set")
    app.wait_for("customer_values_recomputed", 5)

    expected = round(discounted_value(300, 0.05, 0.10), 2)
    assert 5200 < expected < 5230                      # m(1+d)/(1+d-r), r = 0.95
    pop = _answered_call(app, scenario, sipps, "0115551234", customer_name="Thandi Example")
    assert pop["lifetime_value"] == pytest.approx(expected, abs=0.006), pop
    assert app.cli_ok("config", "get", "churn").stdout.strip() == "0.05"


# ---- 5 -----------------------------------------------------------------------------------

def test_second_instance_forwards_and_exits(make_app):
    app = make_app(no_demo=True)
    app.cli_ok("config", "set", "region", "ZA")
    app.start()
    t0 = time.monotonic()
    r = app.cli_ok(timeout=15)
    assert time.monotonic() - t0 < 10
    assert "app_starting" not in r.stderr, r.stderr
    app.wait_for("ipc_request", 5, cmd="show")

    r = app.cli_ok("call", "011", "555", "1234")       # click-to-call: asks, does not dial
    assert "confirm" in r.stdout, r.stdout
    app.wait_for("dial_confirm_asked", 5, number="+27115551234")
    assert not app.find("call_dialing")

    assert app.running()
    assert len(app.find("app_ready")) == 1
    assert len(app.find("app_starting")) == 1
    log_file = app.base / "logs" / "ucdesk.log"
    assert log_file.read_text(encoding="utf-8").count('"event": "app_ready"') == 1


# ---- 6 -----------------------------------------------------------------------------------

_SECRETS = ("e2e-secret-digest-response", "e2e-secret-proxy-response", "e2e-secret-hunter2",
            "e2e-nonce")
_AUTH_LINE = re.compile(r"(?:Proxy-)?Authorization\s*:\s*(.*)", re.IGNORECASE)
_PASSWORD_VALUE = re.compile(r"""pass(?:word)?["']?\s*[:=]\s*["']?([^"',\s}]*)""", re.IGNORECASE)


def test_no_secrets_in_logs(make_app, scenario, sipps, tmp_path):
    app = _app_with_thandi(make_app, tmp_path)
    _answered_call(app, scenario, sipps, "0115551234", xml="uac_answered_with_credentials.xml",
                   customer_name="Thandi Example")
    app.cli_ok("config", "list")
    app.stop()

    log_file = (app.base / "logs" / "ucdesk.log").read_text(encoding="utf-8")
    texts = {"stderr": app.stderr_text(), "log file": log_file,
             "stdout": "\n".join(app.stdout_lines)}
    assert '"event": "call_ended"' in log_file          # the file is the same log
    for where, text in texts.items():
        for secret in _SECRETS:
            assert secret not in text, f"{secret!r} in the app's {where}"
        for m in _AUTH_LINE.finditer(text):
            assert m.group(1).strip().strip('",') == "<redacted>", f"{where}: {m.group(0)}"
        for m in _PASSWORD_VALUE.finditer(text):
            assert m.group(1) in ("", "<redacted>", "null"), f"{where}: {m.group(0)}"
    for line in log_file.splitlines():
        ev = json.loads(line)
        for key, value in ev.items():
            if re.search(r"pass(word)?|secret|token|credential", key, re.IGNORECASE):
                assert value == "<redacted>", (key, value)


def test_sip_password_never_reaches_the_logs(make_app, sipps):
    """A real digest registration with a real password: it must not show up in any output."""
    password = "s3cret-pw"           # what tests/integration/scenarios/registrar_digest.xml wants
    registrar_port = free_port()
    app = make_app(no_demo=True)
    app.cli_ok("config", "set", "region", "ZA")
    app.cli_ok("config", "set", "sip.uri", "sip:agent@127.0.0.1")
    app.cli_ok("config", "set", "sip.registrar", f"sip:127.0.0.1:{registrar_port}")
    app.start()                      # no password yet: its REGISTERs go nowhere
    mark = app.mark()
    r = subprocess.run(
        [sys.executable, "-m", "ucdesk", "--basedir", str(app.base), "password"],
        input=password + "\n", cwd=app.cwd, env=app.env, capture_output=True, text=True,
        timeout=30, check=False)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert password not in r.stdout + r.stderr
    app.wait_for("line_restarted", 10, since=mark)
    # the new line's REGISTER is being retransmitted: the registrar picks it up, challenges it,
    # and accepts the digest made with the password
    registrar = Sipp.uas(scenario_path("registrar_digest.xml"), port=registrar_port,
                         timeout_s=30)
    sipps.append(registrar)
    assert registrar.wait_for_message('Authorization: Digest username="agent"', 15), \
        registrar.messages()[-3000:]
    assert registrar.wait_for_message("SIP/2.0 200 OK", 5)
    app.stop()                       # un-REGISTER: the registrar's scenario completes
    result = registrar.wait(15)
    assert result.returncode == 0, result.output
    assert "403 Forbidden" not in registrar.messages()

    log_file = (app.base / "logs" / "ucdesk.log").read_text(encoding="utf-8")
    for where, text in {"stderr": app.stderr_text(), "log file": log_file,
                        "stdout": "\n".join(app.stdout_lines)}.items():
        assert password not in text, f"the SIP password is in the app's {where}"
        assert "4f2c1e9b7d" not in text, f"the digest nonce is in the app's {where}"
        for m in _AUTH_LINE.finditer(text):
            assert m.group(1).strip().strip('",') == "<redacted>", f"{where}: {m.group(0)}"
    for path in (app.base / "config" / "settings.json", app.base / "data" / "ucdesk.sqlite3"):
        assert password.encode() not in path.read_bytes(), path
