"""The Open311 endpoint under load: 50 clients reading and posting at once on loopback for a
minute (target: no error, nothing lost, p95 of a GET under 100 ms).

    python -m benchmarks.open311_load      (FRONTCOUNTER_LOAD_SECONDS=20 for a shorter run)

The server is `frontcounter serve open311` in its own process, on a copy of the cached
100,000-request town (posts write into it). Each client keeps one connection and, in a loop,
reads the services, a page of open requests, one request by its number, or (one time in ten)
posts a new pothole with a partner key. Afterwards every post the server acknowledged is looked
for in the file. Baseline, measured in the same run with the same clients: a bare waitress
application that answers "[]" at once, the floor of this machine, this server and these clients.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, demo_database, p95, report

CLIENTS = 50
SECONDS = float(os.environ.get("FRONTCOUNTER_LOAD_SECONDS", "60"))
#: the share of the clients' calls that post a request
POSTS = float(os.environ.get("FRONTCOUNTER_LOAD_POSTS", "0.1"))


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.gets: list[float] = []
        self.posts: list[float] = []
        self.errors: list[str] = []
        self.posted: list[str] = []


def _client(
    host: str, port: int, plan: Callable[[random.Random], tuple[str, str, bytes]],
    tally: _Tally, stop: float, seed: int,
) -> None:  # fmt: skip
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    while time.perf_counter() < stop:
        method, path, body = plan(rng)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body or None, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            with tally.lock:
                tally.errors.append(f"{method} {path}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            continue
        took = time.perf_counter() - started
        with tally.lock:
            if answer.status != 200:
                tally.errors.append(f"{method} {path}: {answer.status} {data[:200]!r}")
            elif method == "POST":
                tally.posts.append(took)
                tally.posted.append(json.loads(data)[0]["service_request_id"])
            else:
                tally.gets.append(took)
    connection.close()


def _run(url: str, plan: Callable[[random.Random], tuple[str, str, bytes]]) -> _Tally:
    parts = urllib.parse.urlsplit(url)
    tally = _Tally()
    stop = time.perf_counter() + SECONDS
    threads = [
        threading.Thread(target=_client, args=(parts.hostname, parts.port, plan, tally, stop, n))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def _serve(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    # read whatever else it prints, so a full pipe never stops the server mid-run
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, line.split(" at ", 1)[1].split(" ", 1)[0].rstrip("/")


#: kept to one processor as the server's threads are (server.py: one_processor), so that the
#: floor is measured the same way
_BARE = """
import logging, sys, waitress.server
from desktop.open311.server import kept_to, one_processor
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as the server does
def app(environ, start):
    start("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"[]"]
processors = one_processor()
with kept_to(processors):
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=8)
print(f"bare at http://127.0.0.1:{server.effective_port}/open311/ ", flush=True)
with kept_to(processors):
    server.run()
"""


def main() -> None:
    town = demo_database(100_000)
    with tempfile.TemporaryDirectory(prefix="fc-load-", dir=town.parent) as folder:
        copy = Path(folder) / "town.db"
        shutil.copyfile(town, copy)
        # on disk before the clock starts: the kernel writing back the copy's few hundred MB
        # behind the server's back was the slowest run's cause, not the server
        with copy.open("rb+") as written:
            os.fsync(written.fileno())
        base = [sys.executable, "-m", "desktop", "--basedir", folder, "--db", str(copy)]
        made = subprocess.run([*base, "open311", "key", "add", "Load test", "--per-minute",
                               "10000", "--json"], capture_output=True, text=True, check=True,
                              cwd=ROOT)  # fmt: skip
        key = json.loads(made.stdout)["api_key"]
        numbers = [
            row[0]
            for row in sqlite3.connect(copy).execute(
                "SELECT tracking_number FROM service_request WHERE NOT confidential"
                " ORDER BY id DESC LIMIT 500"
            )
        ]
        streets = ("Elm St", "Oak Ave", "Main St", "Maple Dr", "School St", "River Rd")

        def post(rng: random.Random) -> bytes:
            """A pothole somewhere in town (a few share a place, as real reports do)."""
            return urllib.parse.urlencode({
                "api_key": key, "service_code": "pothole",
                "address_string": f"{rng.randint(1, 400)} {rng.choice(streets)}",
                "description": "Load test pothole", "attribute[size]": "large",
                "attribute[in_lane]": "yes",
            }).encode()  # fmt: skip

        def plan(rng: random.Random) -> tuple[str, str, bytes]:
            if rng.random() < POSTS:
                return "POST", "/open311/v2/requests.json", post(rng)
            roll = rng.random()
            if roll < 0.25:
                return "GET", "/open311/v2/services.json", b""
            if roll < 0.55:
                return "GET", "/open311/v2/requests.json?status=open&page_size=50", b""
            return "GET", f"/open311/v2/requests/{rng.choice(numbers)}.json", b""

        server, url = _serve([*base, "serve", "open311", "--port", "0"])
        try:
            loaded = _run(url, plan)
        finally:
            server.terminate()
            server.wait(timeout=30)
        bare_server, bare_url = _serve([sys.executable, "-c", _BARE])
        try:
            bare = _run(bare_url, lambda rng: ("GET", "/open311/v2/services.json", b""))
        finally:
            bare_server.terminate()
            bare_server.wait(timeout=30)
        posted = set(loaded.posted)
        found = {
            row[0]
            for row in sqlite3.connect(copy).execute(
                "SELECT tracking_number FROM service_request WHERE description = "
                "'Load test pothole'"
            )
        }
    lost = len(posted - found)
    print(
        f"open311 load: {CLIENTS} clients for {SECONDS:g} s: {len(loaded.gets):,} reads, "
        f"{len(posted):,} posts, {len(loaded.errors)} errors, {lost} posts lost"
    )
    for error in loaded.errors[:5]:
        print("  error:", error)
    report("open311 GET p95 (50 clients)", p95(loaded.gets), p95(bare.gets), "ms", "<= 100 ms")
    if loaded.posts:
        report("open311 POST p95 (50 clients)", p95(loaded.posts), p95(bare.gets), "ms")
    report("open311 GETs a second (50 clients)", len(loaded.gets) / SECONDS,
           len(bare.gets) / SECONDS, "/s")  # fmt: skip


if __name__ == "__main__":
    main()
