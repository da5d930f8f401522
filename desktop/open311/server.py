"""The Open311 endpoint served by waitress, a well-kept pure-Python WSGI server, in a thread of
this process: `frontcounter serve open311` runs one until Ctrl+C, and the window runs one while
Settings → Open311 has it on.

Loopback (127.0.0.1) by default: only programs on this computer reach it. Another address (the
town's network, so the website's server can post) is the administrator's choice, with a warning
(`exposed`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

from desktop.i18n import _
from desktop.models.errors import KnownError
from desktop.open311.app import BASE, application, gate_commits

log = logging.getLogger("frontcounter.open311")
#: "Task queue depth is 2" on every busy moment says only that clients wait their turn
logging.getLogger("waitress.queue").setLevel(logging.ERROR)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8311
#: threads answering requests at once (waitress queues the rest). A post waits its turn to
#: write in its thread, so with few threads a run of posts left none to read: with 50 clients
#: on loopback, one call in ten a post, 2 threads fell to 210-250 reads a second in 2 runs of
#: 6 (p95 380-400 ms; else 83-94 ms), 8 threads in 1 of 7 (else 83-111 ms). Reading only (the
#: kept answers), 8 threads gave 3,440 a second (p95 34 ms) and 2 gave 1,400 (p95 60 ms)
THREADS = 8
#: how long a thread keeps the interpreter before another may take it, while serving
SWITCH_SECONDS = 0.0005


def one_processor() -> set[int] | None:
    """The processor the server's threads keep to, where the system lets a program choose
    (Linux), when it has more than one; else None (they run where the system puts them).

    Only one thread at a time runs Python (the interpreter's lock). Spread over two
    processors, the server's threads handed that lock back and forth between them, and a run
    of 50 clients fell, for all its length, into a mode of about 140 answers a second and a
    GET p95 of 420-610 ms, instead of 600 and 90-110 ms: in 4 runs of 10, by turns with good
    ones, on an idle machine whose speed had not changed. Kept to one processor: 870-930
    answers a second and a GET p95 of 70-74 ms, in 6 runs of 6.

    Which one depends on the process, so that two servers on one computer (two towns) do
    not share one processor."""
    getting = getattr(os, "sched_getaffinity", None)
    if getting is None:
        return None
    try:
        allowed: set[int] = getting(0)
    except OSError:
        return None
    if len(allowed) < 2:
        return None
    ordered = sorted(allowed)
    return {ordered[os.getpid() % len(ordered)]}


@contextlib.contextmanager
def kept_to(processors: set[int] | None) -> Iterator[None]:
    """Inside: the calling thread, and every thread it starts (they keep it after), runs on
    `processors` only; the calling thread is given back its own after. None: nothing."""
    if processors is None:
        yield
        return
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, processors)
    except OSError:  # not allowed here (a container's limits): where the system puts them
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, before)


def exposed(host: str) -> bool:
    """Whether `host` lets other computers reach the server (anything but loopback)."""
    if host in ("localhost", ""):
        return host == ""
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True  # a name: it may resolve to anything


class Open311Server:
    """One server: `start()` listens and answers in a thread, `stop()` ends it."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        import waitress.server

        if not 0 <= port <= 65535:
            raise KnownError(_("The port must be a number from 1 to 65535."))
        #: where the server's threads run (one_processor; None: where the system puts them)
        self._processors = one_processor()
        try:
            if port:  # asked first: waitress leaves its socket open when it cannot listen
                with socket.create_server((host, port), reuse_port=False):
                    pass
            with kept_to(self._processors):  # its threads start here, and keep to them
                self._server: Any = waitress.server.create_server(
                    application,
                    host=host,
                    port=port,
                    threads=THREADS,
                    ident="Front Counter",
                    clear_untrusted_proxy_headers=True,
                    # larger than any post we take: the app itself answers 413 in the spec's shape
                    max_request_body_size=16 * 1024 * 1024,
                    channel_timeout=30,
                )
        except OSError as exc:
            raise KnownError(
                _(
                    "The Open311 server could not listen on {host}:{port} ({reason}). Another "
                    "program may be using the port: choose another with --port."
                ).format(host=host, port=port, reason=exc.strerror or exc)
            ) from None
        self.host = host
        self.port = int(self._server.effective_port)
        # the answers are Python work: with the interpreter's 5 ms turns, each hand-over between
        # the thread that reads the sockets and the one that answers waited out a whole turn
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_SECONDS))
        self._thread: threading.Thread | None = None
        self._gated = False

    def _gate(self, on: bool) -> None:
        """This server's part in the process's commit gate (counted once, however often it is
        stopped)."""
        if on != self._gated:
            self._gated = on
            gate_commits(on)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{BASE}"

    def start(self) -> None:
        self._gate(True)
        self._thread = threading.Thread(target=self._serve, name="open311", daemon=True)
        self._thread.start()
        log.info("Open311 serving at %s", self.url)

    def _serve(self) -> None:
        # the loop that reads the sockets hands work to the answering threads: on theirs
        with kept_to(self._processors), contextlib.suppress(OSError, ValueError):
            self._server.run()  # closed under it: stopping

    def serve_forever(self) -> None:
        """Answer in this thread until interrupted (Ctrl+C)."""
        self._gate(True)
        try:
            with kept_to(self._processors):
                self._server.run()
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop listening, let the answers under way finish, close every connection."""
        self._server.task_dispatcher.shutdown()
        # the listening socket, the loop's trigger and every client's connection: with none
        # left, the loop in the server's thread ends
        for dispatcher in list(self._server._map.values()):
            with contextlib.suppress(OSError):
                dispatcher.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._gate(False)
        log.info("Open311 stopped at %s", self.url)
