"""Ring-path benchmark: from the INVITE leaving sipp to the screen pop's first paint.

Builds a store with N customers (default 100,000) in a temporary base directory, starts the real
app in this process (offscreen Qt, the real pjsua2 engine, the real ring index), and has sipp call
it M times (default 200), one call at a time, each from a random customer's number written the way
a carrier sends it (national format, ``sip:0821234567@host``). Each call rings briefly and the
caller cancels.

Two figures per call:
- wire -> paint: sipp's time stamp on the INVITE it sent (``-trace_msg``, wall clock) to the
  pop's first paint (wall clock, same machine);
- engine -> paint: the engine's ``monotonic_ns`` on receipt to the first paint
  (``ms_since_invite`` of the ``screen_pop_shown`` log event).

Prints p50, p90, p99 and max of both. A script, not a test: it asserts nothing about speed.

    python benchmarks/screen_pop.py [--customers 100000] [--calls 200] [--ring-ms 120]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ucdesk.app.context import Context  # noqa: E402
from ucdesk.domain.customer import Customer, CustomerStatus, PhoneEntry  # noqa: E402
from ucdesk.paths import resolve  # noqa: E402
from ucdesk.services.customers import recompute_all_values  # noqa: E402

SCENARIO = ROOT / "benchmarks" / "scenarios" / "uac_ring_cancel.xml"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(base: Path, customers: int) -> list[str]:
    """Fill a fresh store; returns the customers' numbers in national format."""
    rng = random.Random(7)
    with Context.open(resolve(base)) as ctx:
        ctx.set_setting("region", "ZA")
        batch: list[Customer] = []
        national: list[str] = []
        prefixes = ("82", "83", "72", "73", "61", "11", "21", "31", "12")
        t0 = time.perf_counter()
        for i in range(customers):
            prefix = prefixes[i % len(prefixes)]
            subscriber = f"{i // len(prefixes):07d}"
            e164 = f"+27{prefix}{subscriber}"
            national.append(f"0{prefix}{subscriber}")
            batch.append(Customer(
                id=None, external_id=f"B{i:06d}", name=f"Customer {i:06d}",
                company=f"Company {i % 997}", monthly_revenue_minor=rng.randrange(9900, 250000),
                currency="ZAR", start_date=date(2015 + i % 10, 1 + i % 12, 1 + i % 28),
                status=CustomerStatus.ACTIVE,
                phones=(PhoneEntry(raw=e164, e164=e164, ext=None, kind="e164"),),
            ))
        for start in range(0, len(batch), 20000):
            ctx.customers.upsert_many(batch[start:start + 20000])
        recompute_all_values(ctx.db, ctx.settings)
        print(f"store: {customers} customers written and valued in "
              f"{time.perf_counter() - t0:.1f} s")
    return national


def sipp_send_times(trace: Path) -> dict[str, float]:
    """Call-ID -> wall-clock time sipp sent its INVITE."""
    times: dict[str, float] = {}
    stamp: float | None = None
    sending_invite = False
    for line in trace.read_text(errors="replace").splitlines():
        m = re.match(r"^-+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
        if m:
            stamp = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            sending_invite = False
            continue
        if line.startswith("INVITE ") and stamp is not None:
            sending_invite = True
        elif sending_invite and line.lower().startswith("call-id:"):
            times.setdefault(line.split(":", 1)[1].strip(), stamp)  # first send, not a retransmit
            sending_invite = False
    return times


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return (f"p50 {statistics.median(values):6.2f} ms   p90 {q[89]:6.2f} ms   "
            f"p99 {q[98]:6.2f} ms   max {max(values):6.2f} ms   (n={len(values)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--ring-ms", type=int, default=120, help="how long each call rings")
    ap.add_argument("--rate", type=float, default=5.0, help="calls per second")
    args = ap.parse_args()
    if shutil.which("sipp") is None:
        print("sipp is not installed (Debian package sip-tester)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="ucdesk-bench-"))
    os.environ["XDG_RUNTIME_DIR"] = str(work / "run")
    (work / "run").mkdir(mode=0o700)
    base = work / "base"
    try:
        national = build_store(base, args.customers)
        rng = random.Random(11)
        inf = work / "callers.csv"
        inf.write_text("SEQUENTIAL\n" + "".join(f"{rng.choice(national)};\n"
                                                for _ in range(args.calls)))
        return run(base, work, inf, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(base: Path, work: Path, inf: Path, args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from ucdesk.app.desk import Desk

    # the offscreen platform says "does not support raise()" for every pop: keep the output legible
    qInstallMessageHandler(lambda _mode, _ctx, msg: None if "does not support" in msg
                           else print(msg, file=sys.stderr))
    app = QApplication.instance() or QApplication([sys.argv[0]])
    port = free_port()
    t0 = time.perf_counter()
    desk = Desk(resolve(base), argparse.Namespace(
        basedir=str(base), json_logging=False, sip_listen=f"127.0.0.1:{port}", no_demo=True))
    desk.start()
    print(f"app: started with {desk.index.customer_count} customers in the ring index in "
          f"{time.perf_counter() - t0:.1f} s")
    assert desk.pop is not None and desk.calls is not None

    painted: dict[str, float] = {}
    engine_ms: list[float] = []

    def on_paint(call_id: int) -> None:
        now_wall = time.time()
        now_ns = time.monotonic_ns()
        view = desk.calls.view(call_id) if desk.calls else None
        if view is None or view.sip_call_id is None or view.received_ns is None:
            return
        painted[view.sip_call_id] = now_wall
        engine_ms.append((now_ns - view.received_ns) / 1e6)

    desk.pop.first_painted.connect(on_paint)
    sipp = subprocess.Popen(
        ["sipp", f"127.0.0.1:{port}", "-sf", str(SCENARIO), "-inf", str(inf),
         "-i", "127.0.0.1", "-p", str(free_port()), "-m", str(args.calls), "-l", "1",
         "-r", str(args.rate), "-d", str(args.ring_ms), "-nostdin", "-trace_msg",
         "-timeout", f"{int(args.calls / args.rate * 3 + 30)}s", "-timeout_error"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    poll = QTimer()
    poll.timeout.connect(lambda: app.quit() if sipp.poll() is not None else None)
    poll.start(100)
    try:
        app.exec()
    finally:
        poll.stop()
        if sipp.poll() is None:
            sipp.kill()
        sipp.wait()
        desk.shutdown()

    traces = list(work.glob("*_messages.log"))
    sent = sipp_send_times(traces[0]) if traces else {}
    wire_ms = [(painted[cid] - t) * 1000 for cid, t in sent.items() if cid in painted]
    print(f"sipp: exit {sipp.returncode}; {len(sent)} INVITEs sent, {len(painted)} pops painted")
    print(f"wire -> paint   {percentiles(wire_ms)}")
    print(f"engine -> paint {percentiles(engine_ms)}")
    return 0 if wire_ms else 1


if __name__ == "__main__":
    sys.exit(main())
