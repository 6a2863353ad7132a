"""Load from a second process: the app served by gunicorn on loopback, and requests/s measured by wrk
(or, where wrk is missing, by a small load generator of threads keeping their connections open)."""

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.timing import percentile

ROOT = Path(__file__).resolve().parent.parent
WRK_REPORT = Path(__file__).resolve().parent / "wrk_report.lua"
CONFIG = ROOT / "gunicorn.conf.py"


def workers() -> int:
    """About 2 per CPU, as gunicorn.conf.py advises (the requests wait on PostgreSQL as much as they
    compute)."""
    return 2 * (os.cpu_count() or 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(environment: dict[str, str], *, worker_count: int, log: Path) -> Iterator[str]:
    """The app (casemgmt.wsgi, with `environment`) under gunicorn on a free loopback port; yields its base
    address and stops it (the process it started, by its id) on leaving."""
    port = _free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    gunicorn_path = str(Path(sys.executable).with_name("gunicorn"))
    if CONFIG.exists():
        # Production's configuration (access log included), told where to listen and how many workers.
        command = [gunicorn_path, "--config", str(CONFIG)]
        environment = {**environment, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(worker_count),
                       "WEB_THREADS": "1"}
    else:
        command = [gunicorn_path, "casemgmt.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(worker_count), "--access-logfile", "-"]
    with log.open("a") as output:
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **environment}, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (exit {server.returncode}); see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not listen within 60 s; see {log}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET: the status and the body."""
    address = url.removeprefix("http://")
    host, _, path = address.partition("/")
    connection = http.client.HTTPConnection(host, timeout=60)
    try:
        connection.request("GET", "/" + path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def throughput(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> dict:
    """Requests/s (and the latency under that load) of GET `url`, from a second process: wrk when it is
    installed, else threads of this one."""
    status, _body = get(url, headers)
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}, not 200: nothing to measure")
    if shutil.which("wrk"):
        return _wrk(url, headers, seconds=seconds, connections=connections)
    return _threads(url, headers, seconds=seconds, connections=connections)


def _wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> dict:
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds:.0f}s",
               "--timeout", "30s", "--script", str(WRK_REPORT)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    return {"tool": "wrk", "rps": report["requests"] / report["seconds"], "requests": report["requests"],
            "errors": report["errors"], "p50_ms": report["p50"], "p95_ms": report["p95"]}


def _threads(url: str, headers: dict[str, str], *, seconds: float, connections: int) -> dict:
    """The fallback: `connections` threads, each with one keep-alive connection (reopened when the server
    closes it), for `seconds`."""
    host, _, path = url.removeprefix("http://").partition("/")
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    def load() -> None:
        connection = http.client.HTTPConnection(host, timeout=30)
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                connection.request("GET", "/" + path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
                latencies.append(time.perf_counter() - began)
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=load) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {"tool": "threads", "rps": len(latencies) / elapsed, "requests": len(latencies),
            "errors": errors[0],
            "p50_ms": 1000 * percentile(latencies, 0.5), "p95_ms": 1000 * percentile(latencies, 0.95)}
