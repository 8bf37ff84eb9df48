"""Load on the pre-screening page: requests per second and latency for concurrent clients, and how
long a probe request waits while a costly upload is being checked.

    .venv/bin/python benchmarks/web_load.py [--clients 20] [--seconds 15] [--max-requests 5000]

`checker serve` is started on a free loopback port (127.0.0.1 only) with 1 worker process (the
baseline) and then with one per core, in the same run. Each of the concurrent clients posts one of
the five sample letters to /api/check-text in turn until the time or the request count runs out; the
rate and the 50th/95th/99th percentile latencies are printed for each, with the ratio. The clients
speak plain HTTP/1.1 over keep-alive sockets (a client library would take more of the shared CPU
than the server does). Then, with the
default workers and no other load, a costly PDF (tests' hostile PDF: 40 pages sharing one content
stream that inflates to 70 MB) is uploaded and a probe letter is checked while it runs.
The load generator runs on the same machine and takes part of its CPU.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from checker.app import default_corpus  # noqa: E402
from hostile import costly_pdf  # noqa: E402

CHECKER = str(ROOT / ".venv" / "bin" / "checker")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([CHECKER, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Connection:
    """A minimal HTTP/1.1 keep-alive client on a raw socket: the load generator shares the machine with
    the server, and a full client library would spend more CPU per request than the server does."""

    def __init__(self, url: str):
        self.host, self.port = url.split("//")[1].split(":")
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, int(self.port))
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(url: str, letters: list[str], clients: int, seconds: float, max_requests: int) -> dict:
    latencies: list[float] = []
    failures = 0
    stop = time.monotonic() + seconds
    issued = 0
    bodies = [json.dumps({"text": letter, "name": "sample.txt"}).encode() for letter in letters]

    async def client(n: int) -> None:
        nonlocal failures, issued
        http = Connection(url)
        i = n
        try:
            while time.monotonic() < stop and issued < max_requests:
                issued += 1
                began = time.perf_counter()
                status, _ = await http.post("/api/check-text", bodies[i % len(bodies)])
                latencies.append(time.perf_counter() - began)
                failures += status != 200
                i += 1
        finally:
            http.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    wall = time.perf_counter() - began
    return {"requests": len(latencies), "failures": failures, "rate": len(latencies) / wall,
            "p50": pct(latencies, 50) * 1000, "p95": pct(latencies, 95) * 1000, "p99": pct(latencies, 99) * 1000}


async def probe_during_costly(url: str, letter: str) -> dict:
    async with httpx.AsyncClient(timeout=120) as http:
        began = time.perf_counter()
        costly = asyncio.create_task(http.post(url + "/api/check", files={"upload": ("costly.pdf", costly_pdf(), "application/pdf")}))
        await asyncio.sleep(0.5)  # the costly upload is in a worker by now
        probe_conn = Connection(url)
        p0 = time.perf_counter()
        probe_status, _ = await probe_conn.post("/api/check-text", json.dumps({"text": letter}).encode())
        probe_ms = (time.perf_counter() - p0) * 1000
        probe_conn.close()
        still_running = not costly.done()
        answer = await costly
        return {"probe_ms": probe_ms, "probe_status": probe_status, "costly_s": time.perf_counter() - began,
                "costly_status": answer.status_code, "costly_running_during_probe": still_running}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--max-requests", type=int, default=5000)
    args = ap.parse_args()
    letters = [p.read_text(encoding="utf-8") for p in sorted((default_corpus() / "imr").glob("*.txt"))]
    cores = os.cpu_count() or 1
    results = {}
    for workers in sorted({1, cores}):
        proc, url = start(workers)
        try:
            asyncio.run(load(url, letters, args.clients, 2.0, 200))  # warm-up, not counted
            results[workers] = r = asyncio.run(load(url, letters, args.clients, args.seconds, args.max_requests))
            print(f"{workers} worker(s), {args.clients} clients, {r['requests']} requests ({r['failures']} failed): "
                  f"{r['rate']:.1f} requests/s, p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms")
            if workers == cores:
                p = asyncio.run(probe_during_costly(url, letters[0]))
                print(f"probe during a costly upload ({cores} workers): {p['probe_ms']:.0f} ms (status {p['probe_status']}); "
                      f"costly upload answered {p['costly_status']} after {p['costly_s']:.1f} s; "
                      f"still running during the probe: {p['costly_running_during_probe']}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if len(results) == 2:
        print(f"ratio {cores} workers / 1 worker: {results[cores]['rate'] / results[1]['rate']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
