from __future__ import annotations

import io
import json
import logging

from ucdesk import log as ucdesk_log


def test_json_lines_have_ts_level_event_and_never_secrets() -> None:
    buf = io.StringIO()
    ucdesk_log.setup(json_lines=True, log_file=None, stream=buf)
    lg = logging.getLogger("ucdesk.test")
    ucdesk_log.event(lg, "call_ringing", call_id=7, password="hunter2", sip_auth="abc")
    lg.info("INVITE sip:x SIP/2.0\r\nAuthorization: Digest username=\"a\", response=\"beef\"\r\n")
    ucdesk_log.shutdown()
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert lines[0]["event"] == "call_ringing" and lines[0]["call_id"] == 7
    assert lines[0]["level"] == "info" and lines[0]["ts"].endswith("Z")
    assert "hunter2" not in buf.getvalue() and "beef" not in buf.getvalue()
    assert "Authorization: <redacted>" in lines[1]["message"]


def test_a_password_written_into_a_sip_uri_is_masked() -> None:
    buf = io.StringIO()
    ucdesk_log.setup(json_lines=True, log_file=None, stream=buf)
    ucdesk_log.event(logging.getLogger("ucdesk.test"), "sip_engine_ready",
                     uri="sip:alice:s3cret@pbx.example.com;transport=tcp")
    ucdesk_log.shutdown()
    line = json.loads(buf.getvalue())
    assert line["uri"] == "sip:alice:<redacted>@pbx.example.com;transport=tcp"
    assert "s3cret" not in buf.getvalue()
