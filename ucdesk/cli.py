"""The command line: parse, then forward to a running instance or boot the app.

    ucdesk [--basedir DIR] [--json-logging] [--sip-listen HOST:PORT]      start (or raise) the app
    ucdesk tel:+27115551234 | sip:bob@example.com | callto:...             click-to-call
    ucdesk call 011 555 1234                                               click-to-call
    ucdesk demo-call [NUMBER]                                              the demo line calls you
    ucdesk answer | hangup                                                 for hotkeys and headsets
    ucdesk import customers FILE.csv                                       exit 0 / 3 / 2
    ucdesk config list | get KEY | set KEY VALUE | unset KEY
    ucdesk password                                                        the SIP password
    ucdesk history [--format json|csv] [--limit N]

Commands that change data are carried out by the running instance over its socket when one runs,
so its caches stay true; otherwise they work on the store directly.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ucdesk import __version__, ipc_client, paths
from ucdesk.errors import UcdeskError

EXIT_OK, EXIT_ERROR, EXIT_UNUSABLE, EXIT_REJECTED = 0, 1, 2, 3
_URI_RE = re.compile(r"^(tel|sips?|callto):", re.IGNORECASE)


def _global_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--basedir", metavar="DIR",
                   help="keep config, data, logs and the instance socket under DIR")
    p.add_argument("--json-logging", action="store_true",
                   help="log one JSON object per line (stderr and the log file)")
    p.add_argument("--sip-listen", metavar="HOST:PORT", help="local SIP address to bind")
    p.add_argument("--no-demo", action="store_true", help="do not start the demo line")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ucdesk", parents=[_global_parser()],
        description="ucdesk: calls, screen pops with the caller's lifetime value, history.",
        epilog="With a tel:, sip: or callto: address as the only argument, ucdesk asks the "
               "running instance (or a new one) to call it after you confirm.",
    )
    parser.add_argument("--version", action="version", version=f"ucdesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_call = sub.add_parser("call", help="call a number (after you confirm in the app)")
    p_call.add_argument("number", nargs="+", help="number or address; spaces are fine")

    p_demo = sub.add_parser("demo-call", help="have the demo line call you")
    p_demo.add_argument("number", nargs="*", help="the caller's number (default: a demo customer)")

    sub.add_parser("answer", help="answer the ringing call in the running instance")
    sub.add_parser("hangup", help="hang up (or decline) the current call in the running instance")

    p_imp = sub.add_parser("import", help="import data")
    imp_sub = p_imp.add_subparsers(dest="what", metavar="WHAT", required=True)
    p_cust = imp_sub.add_parser("customers", help="import customers from a CSV file")
    p_cust.add_argument("file", type=Path)

    p_cfg = sub.add_parser("config", help="read and change settings")
    cfg_sub = p_cfg.add_subparsers(dest="action", metavar="ACTION", required=True)
    cfg_sub.add_parser("list", help="all settings with their values and meaning")
    p_get = cfg_sub.add_parser("get", help="print one setting")
    p_get.add_argument("key")
    p_set = cfg_sub.add_parser("set", help="change one setting")
    p_set.add_argument("key")
    p_set.add_argument("value")
    p_unset = cfg_sub.add_parser("unset", help="return one setting to its default")
    p_unset.add_argument("key")

    sub.add_parser("password", help="keep the SIP account's password (sip.uri) in the keyring; "
                                    "read from the terminal, or one line from stdin")

    p_hist = sub.add_parser("history", help="print the call history")
    p_hist.add_argument("--format", choices=("json", "csv"), default="json")
    p_hist.add_argument("--limit", type=_positive_int, default=None,
                        help="only the newest N calls")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _split(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Pull global options from anywhere on the line; return them and the rest."""
    opts, rest = _global_parser().parse_known_args(list(argv))
    return opts, rest


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:          # `ucdesk history | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (UcdeskError, OSError) as exc:
        print(f"ucdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    gopts, rest = _split(argv)
    if rest and _URI_RE.match(rest[0]) and len(rest) == 1:
        return _forward_or_start(gopts, "dial", {"target": rest[0], "source": "uri"})
    if rest and rest[0] in ("-h", "--help", "--version"):
        build_parser().parse_args(rest)
        return EXIT_OK
    args = build_parser().parse_args(rest)
    for key, value in vars(gopts).items():
        setattr(args, key, value)
    if args.command is None:
        return _forward_or_start(gopts, "show", {})
    if args.command == "call":
        target = " ".join(args.number).strip()
        if not target:
            print("ucdesk: nothing to call: give a number or a SIP address", file=sys.stderr)
            return EXIT_ERROR
        return _forward_or_start(gopts, "dial", {"target": target, "source": "cli"})
    if args.command == "demo-call":
        return _forward_or_start(gopts, "demo_call", {"number": " ".join(args.number) or None})
    if args.command in ("answer", "hangup"):
        return _forward_only(gopts, args.command)
    if args.command in ("import", "config", "history", "password"):
        _log_to_file(gopts)
    if args.command == "import":
        return _import(gopts, args.file)
    if args.command == "config":
        return _config(gopts, args)
    if args.command == "history":
        return _history(gopts, args.format, args.limit)
    if args.command == "password":
        return _password(gopts)
    build_parser().print_help()
    return EXIT_ERROR


def _paths(gopts: argparse.Namespace) -> paths.Paths:
    return paths.resolve(gopts.basedir)


def _log_to_file(gopts: argparse.Namespace) -> None:
    """Commands that work on the store directly log to the log file, never to the terminal
    (their output is theirs: a JSON history, a list of rejected rows)."""
    from ucdesk import log as ucdesk_log

    p = _paths(gopts)
    try:
        p.log_dir.mkdir(parents=True, exist_ok=True)
        ucdesk_log.setup(json_lines=bool(gopts.json_logging), log_file=p.cli_log_file,
                         to_stderr=False)
    except OSError:
        logging.getLogger("ucdesk").addHandler(logging.NullHandler())
        logging.getLogger("ucdesk").propagate = False


def _print_reply(reply: dict[str, Any]) -> int:
    """Print what the instance said; the exit status says whether it accepted."""
    if not reply.get("ok"):
        print(f"ucdesk: {reply.get('error', 'request refused')}", file=sys.stderr)
        return EXIT_ERROR
    if reply.get("message"):
        print(reply["message"])
    return EXIT_OK


def _no_answer(exc: Exception) -> int:
    print(f"ucdesk: the running instance did not answer: {exc}", file=sys.stderr)
    return EXIT_ERROR


def _forward_or_start(gopts: argparse.Namespace, cmd: str, args: dict[str, Any]) -> int:
    """Hand the request to the running instance; with none, become it (and ask the same way)."""
    try:
        reply = ipc_client.request(_paths(gopts).socket_path, cmd, args)
    except ipc_client.NoInstance:
        reply = None
    except (ConnectionError, OSError, ValueError) as exc:
        return _no_answer(exc)
    if reply is None:
        from ucdesk.app.application import run  # the GUI is only loaded when it is needed

        return run(gopts, initial=(cmd, args) if cmd != "show" else None)
    return _print_reply(reply)


def _forward_only(gopts: argparse.Namespace, cmd: str) -> int:
    try:
        reply = ipc_client.request(_paths(gopts).socket_path, cmd, {})
    except ipc_client.NoInstance:
        print("ucdesk: no running instance", file=sys.stderr)
        return EXIT_ERROR
    except (ConnectionError, OSError, ValueError) as exc:
        return _no_answer(exc)
    return _print_reply(reply)


def _import(gopts: argparse.Namespace, file: Path) -> int:
    p = _paths(gopts)
    path = file.expanduser().resolve()
    try:
        reply = ipc_client.request(p.socket_path, "import_customers", {"path": str(path)},
                                   timeout=600)
    except ipc_client.NoInstance:
        from ucdesk.app.context import Context

        with Context.open(p) as ctx:
            reply = ctx.import_customers(path)
    except (ConnectionError, OSError, ValueError) as exc:
        return _no_answer(exc)
    for line in reply.get("errors", []):
        print(line, file=sys.stderr)
    if reply.get("summary"):
        print(reply["summary"])
    return int(reply.get("exit", EXIT_ERROR if not reply.get("ok") else EXIT_OK))


def _config(gopts: argparse.Namespace, args: argparse.Namespace) -> int:
    from ucdesk.settings import SettingError, format_value

    p = _paths(gopts)
    if args.action in ("set", "unset"):
        value = args.value if args.action == "set" else None
        try:
            # a value setting recomputes every customer's value first: allow it time
            reply = ipc_client.request(p.socket_path, "config_set",
                                       {"key": args.key, "value": value}, timeout=600)
            if not reply.get("ok"):
                print(f"ucdesk: {reply.get('error')}", file=sys.stderr)
                return EXIT_ERROR
            print(f"{args.key} = {reply.get('value', '')}")
            return EXIT_OK
        except ipc_client.NoInstance:
            pass
        except (ConnectionError, OSError, ValueError) as exc:
            return _no_answer(exc)
    from ucdesk.app.context import Context

    try:
        with Context.open(p) as ctx:
            if args.action == "list":
                for spec, value, explicit in ctx.settings.items():
                    mark = "" if explicit else "  (default)"
                    print(f"{spec.key} = {format_value(value)}{mark}\n    [{spec.scope}] {spec.doc}")
                return EXIT_OK
            if args.action == "get":
                print(format_value(ctx.settings.get(args.key)))
                return EXIT_OK
            value = ctx.set_setting(args.key, args.value if args.action == "set" else None)
            print(f"{args.key} = {format_value(value)}")
            return EXIT_OK
    except SettingError as exc:
        print(f"ucdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _password(gopts: argparse.Namespace) -> int:
    """Keep the password of ``sip.uri``: in the running instance, else in the keyring.

    Never on the command line, in settings, the store or a log.
    """
    import getpass

    from ucdesk.settings import JsonFileBackend, MemoryBackend, SettingError, Settings

    p = _paths(gopts)
    try:
        uri = Settings(JsonFileBackend(p.settings_file), MemoryBackend()).require(
            "sip.uri", "the password is for that account")
    except SettingError as exc:  # MissingSetting names the setting
        print(f"ucdesk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        if sys.stdin is not None and sys.stdin.isatty():
            password = getpass.getpass(f"SIP password for {uri}: ")
        else:
            password = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    except (EOFError, KeyboardInterrupt):
        password = ""
    if not password:
        print("ucdesk: no password given", file=sys.stderr)
        return EXIT_ERROR
    try:
        reply = ipc_client.request(p.socket_path, "set_password", {"password": password})
    except ipc_client.NoInstance:
        reply = None
    except (ConnectionError, OSError, ValueError) as exc:
        return _no_answer(exc)
    if reply is not None:
        if not reply.get("ok"):
            print(f"ucdesk: {reply.get('error', 'request refused')}", file=sys.stderr)
            return EXIT_ERROR
        print(reply.get("message", "the running ucdesk keeps the password"))
        return EXIT_OK
    from ucdesk.secrets import SecretStore

    store = SecretStore()
    if not store.secure:
        print("ucdesk: no secure keyring (such as a Secret Service) is available here, so the "
              "password cannot be kept after this command ends. Start ucdesk and enter it in "
              "Settings > SIP account… (or run 'ucdesk password' while ucdesk runs); it is then "
              "kept for that session only.", file=sys.stderr)
        return EXIT_ERROR
    if not store.set(uri, password):
        print(f"ucdesk: the keyring ({store.backend_name}) refused the password; is it locked?",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"the password of {uri} is in the keyring ({store.backend_name})")
    return EXIT_OK


def _history(gopts: argparse.Namespace, fmt: str, limit: int | None) -> int:
    from ucdesk.app.context import Context
    from ucdesk.services.history_export import export_history

    with Context.open(_paths(gopts)) as ctx:
        records = ctx.calls.list(limit=limit)
    export_history(records, "csv" if fmt == "csv" else "json", sys.stdout)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    os._exit(main())
