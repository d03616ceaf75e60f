"""The served portal under load, next to a bare Litestar app on the same server stack, in the same run.

    python bench/web.py [--quick] [--seconds 10] [--connections 50]

`portal serve` (uvicorn with uvloop and httptools, one worker, no access log) over the clinic database of
`bench/availability.py` (20 providers, about 60 % of the next 30 days booked, 1 M past visits; 50 k with
--quick), and a Litestar app answering "hello" on the same stack. wrk (Debian's package: `apt-get install
wrk`) drives each route with a bounded load on loopback, pinned to its own core when there is more than one;
each run lasts --seconds. Prints requests per second, p50, p99 and errors per route, and each route's share of
the bare app's requests per second (issue 13's goal: every read route at least 25 %, p99 at most 50 ms).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import availability as fixture

HELLO = '''
from litestar import Litestar, get

@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"

app = Litestar([hello])
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def started(command: list[str], port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        if server.poll() is not None:
            raise RuntimeError((server.stderr.read() if server.stderr else b"").decode())
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{command[0]} did not start on port {port}")


def load(url: str, seconds: int, connections: int) -> dict[str, float]:
    pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) > 1 and shutil.which("taskset") else []
    out = subprocess.run([*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk said: {out}")
    rate = float(found[1])
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))

    def percentile(p: str) -> float:
        line = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        return float(line[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[line[2]] if line else float("nan")

    return {"rate": rate, "p50": percentile("50"), "p99": percentile("99"), "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 k past visits, 3-second runs")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench/web.py needs wrk: apt-get install wrk")
        return 0
    seconds = 3 if args.quick else args.seconds
    engine = fixture.open_database(None, 50_000 if args.quick else 1_000_000)
    database_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-web-"))
    (work / "hello.py").write_text(HELLO)
    bin_dir = Path(sys.executable).parent
    portal_port, hello_port = free_port(), free_port()
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_DATA_DIR": str(work / "var")}
    servers = [
        started([str(bin_dir / "portal"), "serve", "--port", str(portal_port), "--no-worker"], portal_port, env, work),
        started([str(bin_dir / "uvicorn"), "hello:app", "--port", str(hello_port), "--no-access-log",
                 "--log-level", "warning"], hello_port, env, work),
    ]
    first = date.today() + timedelta(days=1)
    routes = {
        "bare Litestar hello": f"http://127.0.0.1:{hello_port}/",
        "GET / (services)": f"http://127.0.0.1:{portal_port}/",
        "GET /book/times (a week)": f"http://127.0.0.1:{portal_port}/book/times?services=s45&provider=any",
        "GET /api/v1/availability": (f"http://127.0.0.1:{portal_port}/api/v1/availability?services=s45"
                                     f"&provider=any&from={first}&to={first + timedelta(days=6)}"),
        "GET /healthz": f"http://127.0.0.1:{portal_port}/healthz",
    }
    try:
        print(f"{args.connections} connections, {seconds} s a route, wrk on core 0; one uvicorn worker each")
        print(f"{'route':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'of bare':>8}")
        bare_rate = None
        for name, url in routes.items():
            result = load(url, seconds, args.connections)
            bare_rate = bare_rate or result["rate"]
            print(f"{name:28} {result['rate']:8.0f} {result['p50']:8.1f} {result['p99']:8.1f} "
                  f"{result['errors']:7.0f} {result['rate'] / bare_rate:8.1%}", flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
