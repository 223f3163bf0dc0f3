"""Telephony: the only package that imports pjsua2 (and never Qt).

* :mod:`~ucdesk.telephony.engine` - ``TelephonyEngine``: pjsua2 on its own thread, commands in,
  events (:mod:`ucdesk.domain.telephony`) out.
* :mod:`~ucdesk.telephony.addressing` - ``request_uri``: dial string -> request URI (pure).
* :mod:`~ucdesk.telephony.sip_message` - header parsing of raw SIP text (pure).
* :mod:`~ucdesk.telephony.demo_line` / :mod:`~ucdesk.telephony.demo_process` - the demo line,
  a second SIP process standing in for a PBX, and its stdlib-only process wrapper.

Nothing is imported here so that the pure modules can be used without loading pjsua2.
"""
