"""Errors whose message is written for the person at the keyboard.

The command line prints them as ``ucdesk: <message>`` (no traceback) and exits 1; the app shows
them. Anything else that escapes is a bug and keeps its traceback.
"""


class UcdeskError(Exception):
    """Something the user can act on: the message says what and where."""
