"""The live page's server: the standard library's threaded HTTP server with server-sent events,
in a process of its own.

Why this and not an ASGI app or websockets: the page only needs a stream from the trainer to
the browser plus a handful of button presses back, which is exactly what server-sent events
(one long GET) and small POSTs give; the standard library serves both with no dependency, and
the browser's EventSource reconnects by itself after a reload or a dropped connection.

Why a process of its own: a room of pages is hundreds of connections, each served by Python
code; in the trainer's process they would take turns with the training loop for the one
interpreter lock, and a class watching would slow the run it watches (to a third of its step
rate, measured by `python -m benchmarks.live_load`). The server process is spawned by
`LiveServer` (a fresh interpreter running `serve`), receives the trainer's events and shared
files through one pipe and passes the page's controls back through another (see
models/live/session.py), and runs at a lower priority (`NICENESS`), so that the pages give way
to the training, never the other way round. It ends when the trainer closes its pipe, or dies.

It binds 127.0.0.1 unless told otherwise and serves only its own files, by exact name (nothing
is read from a path the request names). Each request is served by a thread of its own; the
event streams of every page are written by one thread (models/live/relay.py), so several tabs,
or a room, can watch one run.

Who may talk to it (any web page the lecturer has open can send requests to 127.0.0.1):
- **A token**, random and made at start, as Jupyter's: it is in the printed URL (`/?token=…`) and
  in the page the server sends, and every request but that first one must carry it (the header
  `X-Backproplab-Token`, or `token=` in the query, which is how an EventSource or an image
  asks). Another site's page does not know it.
- **The Host header** must name the address served (127.0.0.1, localhost, ::1, the `--host`
  given, or, on a wildcard address such as 0.0.0.0, an IP literal or this machine's name): a page
  that rebinds its own domain name to 127.0.0.1 is refused (403).
- **The Origin** of a request that carries one must be the server's own (403 otherwise).
- **Read-only** (`--read-only`, for serving a class): the controls are refused (403), and the
  page is sent without them.
Robustness (`Limits`): bodies over `max_body` bytes get 413 and the connection closes; a request
must arrive within `timeout` seconds; a listen backlog of 128 serves a room connecting at once;
at most `max_streams` event streams run at once (503 beyond); a control that cannot be parsed
gets 400, whatever it holds; a route that fails (Graphviz's error, say) is answered 500 in one
line, the same line goes to the terminal, and the server goes on. A control answered 200 has
been accepted, not yet applied: it is on its way to the trainer, which applies it between two
steps (controls arrive in the order they were accepted).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import pickle
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from models.live.feed import EventFeed, frame
from models.live.relay import Relay
from models.live.session import Controls, LiveSession
from models.metrics import encode


class ServerError(Exception):
    """The page's server could not start; the message is the one line to show."""


class PortInUse(ServerError):
    """The port asked for cannot be bound (taken, or not a port); the one line to show."""


@dataclass(frozen=True)
class Limits:
    """What one client may cost the server."""
    max_body: int = 10_000      # bytes of a POST: a control is a few dozen
    timeout: float = 10.0       # seconds a connection may take to send its request
    max_streams: int = 512      # event streams at once (each holds a thread, waiting)
    backlog: int = 128          # connections waiting to be accepted
    controls_waiting: int = 64  # controls the trainer has not yet taken, beyond its pipe (503 beyond)


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
TOKEN_HEADER = "X-Backproplab-Token"
NICENESS = 19             # the lowest priority: the pages take only what the training leaves
START_SECONDS = 60.0      # for the server process to start and bind (a loaded machine is slow)
DRAIN_SECONDS = 2.0       # for the pages to get the last events once the run is over

# more paths: each gets the server's feed (its `extras` hold what the trainer shares) and the
# request's fields, returns (content type, body); it runs in the server process, so it must be
# a function or class the server can import by name (defined in a module, not in `__main__`).
# GET routes must be cheap or cached, anything that computes is a POST route.
Routes = dict[str, Callable[[EventFeed, dict[str, str]], tuple[str, bytes]]]


@dataclass
class _Served:
    """Everything the server process needs, sent to it first."""
    page: bytes
    host: str
    port: int
    token: str
    read_only: bool
    limits: Limits
    routes: Routes = field(default_factory=dict)
    post_routes: Routes = field(default_factory=dict)


class LiveServer:
    """Serves `page` at / and the session's events at /events, controls at POST /control;
    `routes` adds GET paths and `post_routes` POST paths (exact names) that return (content
    type, body). `token` is made at random unless given; `read_only` refuses the controls.

    Serving starts here, in a process of its own, and the session's messages go to it from now
    on; a port that cannot be bound raises `PortInUse`, any other failure to start
    `ServerError`. `close()` ends it."""

    def __init__(self, session: LiveSession, page: str, host: str = "127.0.0.1",
                 port: int = 0, routes: Routes | None = None, post_routes: Routes | None = None,
                 read_only: bool = False, token: str | None = None,
                 limits: Limits = Limits()) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.host, self.read_only = host, read_only
        served = _Served(_with_token(page, self.token, read_only), host, port, self.token,
                         read_only, limits, routes or {}, post_routes or {})
        self._process, outbox, inbox = _spawn()
        try:
            outbox.send_bytes(pickle.dumps(served))
            reply = inbox.recv() if inbox.poll(START_SECONDS) else ("stopped", "did not start")
        except (EOFError, OSError):
            reply = ("stopped", "stopped at start")
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            reply = ("stopped", f"cannot be given its routes: {error}")
        if reply[0] != "port":
            outbox.close()
            inbox.close()
            self._end()
            if reply[0] == "bind":
                raise PortInUse(f"live: cannot listen on {host}:{port} ({reply[1]}); choose "
                                "another --port, or leave it out for a free one")
            raise ServerError(f"live: the page's server {reply[1]} (see the lines above)")
        self.port = int(reply[1])
        session.attach(outbox, inbox)
        # a server dropped without close() ends with its session's pipe, not with the program
        self._finalizer = weakref.finalize(self, session.detach)

    @property
    def pid(self) -> int:
        """The server process's."""
        return self._process.pid

    @property
    def url(self) -> str:
        """The address to open, with its token."""
        return f"http://{_url_host(self.host)}:{self.port}/?token={quote(self.token)}"

    def banner(self, what: str) -> list[str]:
        """The lines to print at start: `what` with the URL, and a warning when the server is
        reachable from other machines."""
        lines = [f"{what}: {self.url}"]
        if self.host not in LOOPBACK_NAMES:
            exposed = "the run's events (losses, samples, vocabulary)" + (
                "" if self.read_only else " and its controls (pause, step, learning rate)")
            lines.append(f"warning: --host {self.host} serves {exposed} to every machine that "
                         "can reach this one and has the URL's token; add --read-only to serve "
                         "a class without controls")
        return lines

    def close(self) -> None:
        """Send what the session has waiting, let the pages have it, and end the server."""
        self._finalizer()   # the session's detach, once
        self._end()

    def _end(self) -> None:
        try:
            self._process.wait(DRAIN_SECONDS + 3)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# The server's first line: the current folder leaves the import path (a student's json.py must
# not shadow the standard library's), and the folder this package was imported from is put
# first unless the interpreter finds it anyway (installed); then it serves.
BOOTSTRAP = ("import sys; sys.path[:1] = [p for p in sys.path[:1] if p]; "
             "sys.argv[3] in sys.path or sys.path.insert(0, sys.argv[3]); "
             "from models.live.server import serve; serve()")


def _spawn() -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """A fresh interpreter running `serve`, and this side's ends of its two pipes (to it, from
    it). Fresh, not forked: the trainer's threads (BLAS, the session's sender) stay behind, and
    nothing of the caller's script is run again."""
    to_child, from_child = os.pipe(), os.pipe()
    package_root = str(Path(__file__).resolve().parents[2])
    process = subprocess.Popen(
        [sys.executable, "-c", BOOTSTRAP, str(to_child[0]), str(from_child[1]), package_root],
        stdin=subprocess.DEVNULL, pass_fds=(to_child[0], from_child[1]))
    os.close(to_child[0])
    os.close(from_child[1])
    return (process, Connection(to_child[1], readable=False),
            Connection(from_child[0], writable=False))


def serve() -> None:
    """The server process (`python -c … R W`): read what to serve from pipe R, bind, say the
    port (or why not) on pipe W, serve, and add each message of R to the feed until the trainer
    closes it; the page's controls go back on W."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the trainer's; it ends the server
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    inbox = Connection(int(sys.argv[1]), writable=False)
    answers = Connection(int(sys.argv[2]), readable=False)
    try:
        served: _Served = pickle.loads(inbox.recv_bytes())   # from the process that started this
    except (EOFError, OSError):
        return
    feed, streams = EventFeed(), threading.BoundedSemaphore(served.limits.max_streams)
    relay = Relay(feed, served.limits.timeout)
    relay.start()
    to_trainer = _ToTrainer(answers, served.limits.controls_waiting)
    handler = type("Handler", (_Handler,), {
        "feed": feed, "relay": relay, "served": served, "to_trainer": to_trainer,
        "mirror": Controls(), "mirror_lock": threading.Lock(), "timeout": served.limits.timeout,
        "hosts": allowed_hosts(served.host), "streams": streams})
    try:
        httpd = _Server((served.host, served.port), handler, backlog=served.limits.backlog)
    except (OSError, OverflowError) as error:
        answers.send(("bind", getattr(error, "strerror", None) or str(error)))
        return
    answers.send(("port", int(httpd.server_address[1])))
    to_trainer.start()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _receive(inbox, feed)
    feed.finish()
    for _ in range(served.limits.max_streams):   # wait for every stream to end, a while at most
        if not streams.acquire(timeout=DRAIN_SECONDS):
            break
    httpd.shutdown()
    httpd.server_close()


def _receive(inbox: Connection, feed: EventFeed) -> None:
    """The trainer's messages (see LiveSession), until it closes the pipe or dies."""
    while True:
        try:
            data = inbox.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            message = pickle.loads(data)
        except Exception as error:   # a class this process cannot import: skip the message
            print(f"live: the page's server skipped a message it cannot read: {error}",
                  file=sys.stderr, flush=True)
            continue
        if message[0] == "event":
            feed.add(frame(message[1]))
        elif message[0] == "extra":
            feed.extras[message[1]] = message[2]
        elif message[0] == "finish":
            feed.finish()


class _ToTrainer(threading.Thread):
    """The page's controls on their way to the trainer, sent by a thread of their own, so that
    no request waits for a trainer busy with a long step; beyond what the pipe holds, at most
    `waiting` controls wait (and `put` refuses the next)."""

    def __init__(self, connection: Connection, waiting: int) -> None:
        super().__init__(daemon=True, name="live-controls")
        self.connection, self.ended = connection, False
        self._queue: queue.Queue[tuple[str, float | None]] = queue.Queue(maxsize=waiting)

    def put(self, control: tuple[str, float | None]) -> str:
        """Queue `control`; why it cannot be ("" when it is queued)."""
        if self.ended:
            return "the run has ended"
        try:
            self._queue.put_nowait(control)
        except queue.Full:
            return "too many controls are waiting for the run's next step"
        return ""

    def run(self) -> None:
        while True:
            control = self._queue.get()
            try:
                self.connection.send(control)
            except OSError:   # the trainer has closed its end: the run is over
                self.ended = True
                return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 backlog: int) -> None:
        self.request_queue_size = backlog
        super().__init__(address, handler)


def allowed_hosts(host: str) -> set[str] | None:
    """The names a request's Host may give: the loopback names and `host`; None (any IP literal
    or this machine's name) when `host` is a wildcard address."""
    if host in ("0.0.0.0", "::", ""):
        return None
    return LOOPBACK_NAMES | {host.lower()}


def _url_host(host: str) -> str:
    """`host` as a browser opens it: this machine's address for a wildcard, brackets for IPv6."""
    if host in ("0.0.0.0", "::", ""):
        host = _outward_address()
    return f"[{host}]" if ":" in host else host


def _outward_address() -> str:
    """An address of this machine that others can open (no packet is sent to find it)."""
    try:
        for *_, address in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if not ipaddress.ip_address(address[0]).is_loopback:
                return str(address[0])
    except OSError:
        pass
    return socket.gethostname()


def _with_token(page: str, token: str, read_only: bool) -> bytes:
    """The page with its token (and read-only mark) where its scripts read them."""
    meta = (f'<meta name="backproplab-token" content="{token}">'
            f'<meta name="backproplab-read-only" content="{"1" if read_only else ""}">')
    if "<head>" in page:
        page = page.replace("<head>", "<head>" + meta, 1)
    return page.encode()


def _host_name(header: str) -> str:
    """The host part of a Host header (`127.0.0.1:8000` → `127.0.0.1`, `[::1]:80` → `::1`)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class _Handler(BaseHTTPRequestHandler):
    feed: EventFeed
    relay: Relay
    served: _Served
    to_trainer: _ToTrainer       # the page's controls
    mirror: Controls             # the trainer's controls as this process last sent them
    mirror_lock: threading.Lock
    hosts: set[str] | None
    streams: threading.BoundedSemaphore
    protocol_version = "HTTP/1.1"
    # an answer goes out as two writes (headers, body): without this, on a kept-alive connection
    # the body waits for the page's delayed acknowledgement of the headers (40 ms a control)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass   # the terminal shows training, not requests

    # --- who is asking --------------------------------------------------------------------
    def _refusal(self, query: dict[str, str], page: bool = False) -> str:
        """Why this request may not be served ("" when it may)."""
        name = _host_name(self.headers.get("Host", ""))
        if self.hosts is None:
            known = _is_ip_literal(name) or name in {socket.gethostname().lower(), "localhost"}
        else:
            known = name in self.hosts
        if not known:
            return f"the Host {name!r} is not the address this server serves"
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower() != f"http://{self.headers.get('Host', '').lower()}":
            return f"requests from the page of {origin!r} are refused"
        given = self.headers.get(TOKEN_HEADER) or query.get("token", "")
        if not hmac.compare_digest(given.encode(), self.served.token.encode()):
            return ("open the URL printed in the terminal, with its token" if page else
                    "a missing or wrong token")
        return ""

    def _query(self) -> tuple[str, dict[str, str]]:
        path, _, query = self.path.partition("?")
        try:
            return path, {k: v[-1] for k, v in parse_qs(query, max_num_fields=20).items()}
        except ValueError:
            return path, {}

    # --- requests ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, query = self._query()
        if path == "/favicon.ico":   # asked for by pages without one (the explorer's)
            self._send(HTTPStatus.NO_CONTENT, "image/x-icon", b"")
            return
        if path not in ("/", "/index.html", "/events", *self.served.routes):
            self._text(HTTPStatus.NOT_FOUND, "not found")
            return
        refusal = self._refusal(query, page=path in ("/", "/index.html"))
        if refusal:
            self._text(HTTPStatus.FORBIDDEN, refusal)
        elif path == "/events":
            self._stream()
        elif path in self.served.routes:
            self._route(self.served.routes[path], path, query)
        else:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.served.page)

    def do_POST(self) -> None:
        path, query = self._query()
        if path != "/control" and path not in self.served.post_routes:
            self._text(HTTPStatus.NOT_FOUND, "not found", close=True)
            return
        refusal = self._refusal(query) or (
            "this run is served read-only" if self.served.read_only and path == "/control" else "")
        if refusal:
            self._text(HTTPStatus.FORBIDDEN, refusal, close=True)
            return
        body = self._body()
        if body is None:
            return
        try:
            request = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            request = None
        if not isinstance(request, dict):
            self._json(HTTPStatus.BAD_REQUEST, "expected a JSON object")
        elif path == "/control":
            self._control(request)
        else:
            fields = {str(k): str(v) for k, v in request.items() if k != "token"}
            self._route(self.served.post_routes[path], path, fields)

    def _body(self) -> bytes | None:
        """The request's body, or None when it was refused (too long, or a bad length)."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0:
            self._text(HTTPStatus.BAD_REQUEST, "a bad Content-Length", close=True)
            return None
        if length > self.served.limits.max_body:
            self._text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       f"a body of {length} bytes; at most {self.served.limits.max_body}",
                       close=True)
            return None
        return self.rfile.read(length)

    def _control(self, request: dict[str, Any]) -> None:
        value: Any
        try:
            action, value = str(request.get("action")), request.get("value")
            problem = Controls.problem(action, value)
            lr = float(value) if action == "lr" and not problem else None
        except (ValueError, TypeError, OverflowError, RecursionError) as error:
            problem = f"control: {error}"[:200]
        if not problem:
            with self.mirror_lock:   # to the trainer (it applies it between two steps), then
                refusal = self.to_trainer.put((action, lr))   # to every page
                if refusal:
                    self._json(HTTPStatus.SERVICE_UNAVAILABLE, refusal)
                    return
                self.mirror.apply(action, value)
                self.feed.add(frame(encode({"kind": "control", "paused": self.mirror.paused,
                                            "action": action,
                                            **({"lr": lr} if action == "lr" else {})})))
        self._json(HTTPStatus.BAD_REQUEST if problem else HTTPStatus.OK, problem)

    def _route(self, route: Callable[[EventFeed, dict[str, str]], tuple[str, bytes]], path: str,
               fields: dict[str, str]) -> None:
        try:
            kind, body = route(self.feed, fields)
        except (KeyError, ValueError, TypeError, OverflowError) as error:
            self._text(HTTPStatus.BAD_REQUEST, f"{path}: {error}")
            return
        except Exception as error:   # the route's own failure (Graphviz's, say): one line each
            line = (str(error).strip().splitlines() or [""])[0][:200]
            problem = f"{path}: {type(error).__name__}: {line}"
            print(f"live: {problem}", file=sys.stderr, flush=True)
            self._text(HTTPStatus.INTERNAL_SERVER_ERROR, problem)
            return
        self._send(HTTPStatus.OK, kind, body)

    # --- answers ----------------------------------------------------------------------------
    def _text(self, status: HTTPStatus, text: str, close: bool = False) -> None:
        if close:   # the rest of the request is never read: do not read it as a next one
            self.close_connection = True
        self._send(status, "text/plain; charset=utf-8", (text + "\n").encode())

    def _json(self, status: HTTPStatus, problem: str) -> None:
        self._send(status, "application/json", json.dumps({"error": problem}).encode())

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        if not self.streams.acquire(blocking=False):
            self._text(HTTPStatus.SERVICE_UNAVAILABLE,
                       f"more than {self.served.limits.max_streams} pages are open")
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self.wfile.write(b": connected\n\n")   # the page has a byte at once
            self.wfile.flush()
            self.relay.add(self.connection).wait()   # the relay's thread writes the stream
        except OSError:   # the page went away
            return
        finally:
            self.streams.release()
