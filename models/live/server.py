"""The live page's server: the standard library's threaded HTTP server with server-sent events.

Why this and not an ASGI app or websockets: the page only needs a stream from the trainer to
the browser plus a handful of button presses back, which is exactly what server-sent events
(one long GET) and small POSTs give; the standard library serves both with no dependency, and
the browser's EventSource reconnects by itself after a reload or a dropped connection.

It binds 127.0.0.1 unless told otherwise and serves only its own files, by exact name (nothing
is read from a path the request names). Each connection is its own thread, so several tabs can
watch one run.

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
Robustness: bodies over `MAX_BODY` bytes get 413 and the connection closes; a request must
arrive within `TIMEOUT` seconds; a listen backlog of 128 serves a room connecting at once; at
most `MAX_STREAMS` event streams run at once (503 beyond); a control that cannot be parsed gets
400, whatever it holds.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote

from models.live.session import LiveSession


class PortInUse(Exception):
    """The port asked for is taken; the message is the one line to show."""


MAX_BODY = 10_000      # bytes of a POST: a control is a few dozen
TIMEOUT = 10.0         # seconds a connection may take to send its request
MAX_STREAMS = 512      # event streams at once, one thread each
BACKLOG = 128          # connections waiting to be accepted
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
TOKEN_HEADER = "X-Backproplab-Token"

# more paths: each gets the session and the request's fields, returns (content type, body);
# GET routes must be cheap or cached, anything that computes is a POST route
Routes = dict[str, Callable[[LiveSession, dict[str, str]], tuple[str, bytes]]]


class _Server(ThreadingHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True


class LiveServer:
    """Serves `page` at / and the session's events at /events, controls at POST /control;
    `routes` adds GET paths and `post_routes` POST paths (exact names) that return (content
    type, body). `token` is made at random unless given; `read_only` refuses the controls."""

    def __init__(self, session: LiveSession, page: str, host: str = "127.0.0.1",
                 port: int = 0, routes: Routes | None = None, post_routes: Routes | None = None,
                 read_only: bool = False, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.host, self.read_only = host, read_only
        handler = type("Handler", (_Handler,), {
            "session": session, "page": _with_token(page, self.token, read_only),
            "routes": routes or {}, "post_routes": post_routes or {}, "token": self.token,
            "read_only": read_only, "hosts": allowed_hosts(host),
            "streams": threading.BoundedSemaphore(MAX_STREAMS)})
        try:
            self.httpd = _Server((host, port), handler)
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise PortInUse(f"live: cannot listen on {host}:{port} ({reason}); "
                            "choose another --port, or leave it out for a free one") from None
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

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

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


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
    session: LiveSession
    page: bytes
    routes: Routes
    post_routes: Routes
    token: str
    read_only: bool
    hosts: set[str] | None
    streams: threading.BoundedSemaphore
    protocol_version = "HTTP/1.1"
    timeout = TIMEOUT

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
        if not hmac.compare_digest(given.encode(), self.token.encode()):
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
        if path not in ("/", "/index.html", "/events", *self.routes):
            self._text(HTTPStatus.NOT_FOUND, "not found")
            return
        refusal = self._refusal(query, page=path in ("/", "/index.html"))
        if refusal:
            self._text(HTTPStatus.FORBIDDEN, refusal)
        elif path == "/events":
            self._stream()
        elif path in self.routes:
            self._route(self.routes[path], path, query)
        else:
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.page)

    def do_POST(self) -> None:
        path, query = self._query()
        if path != "/control" and path not in self.post_routes:
            self._text(HTTPStatus.NOT_FOUND, "not found", close=True)
            return
        refusal = self._refusal(query) or (
            "this run is served read-only" if self.read_only and path == "/control" else "")
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
            self._route(self.post_routes[path], path, fields)

    def _body(self) -> bytes | None:
        """The request's body, or None when it was refused (too long, or a bad length)."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0:
            self._text(HTTPStatus.BAD_REQUEST, "a bad Content-Length", close=True)
            return None
        if length > MAX_BODY:
            self._text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       f"a body of {length} bytes; at most {MAX_BODY}", close=True)
            return None
        return self.rfile.read(length)

    def _control(self, request: dict[str, Any]) -> None:
        try:
            problem = self.session.control(str(request.get("action")), request.get("value"))
        except (ValueError, TypeError, OverflowError, RecursionError) as error:
            problem = f"control: {error}"[:200]
        self._json(HTTPStatus.BAD_REQUEST if problem else HTTPStatus.OK, problem)

    def _route(self, route: Callable[[LiveSession, dict[str, str]], tuple[str, bytes]], path: str,
               fields: dict[str, str]) -> None:
        try:
            kind, body = route(self.session, fields)
        except (KeyError, ValueError, TypeError, OverflowError) as error:
            self._text(HTTPStatus.BAD_REQUEST, f"{path}: {error}")
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
            self._text(HTTPStatus.SERVICE_UNAVAILABLE, f"more than {MAX_STREAMS} pages are open")
            return
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            self._relay()
        except OSError:   # the page went away, or stopped reading for TIMEOUT seconds
            return
        finally:
            self.streams.release()

    def _relay(self) -> None:
        position = 0
        self.wfile.write(b": connected\n\n")   # the page has a byte at once
        self.wfile.flush()
        while True:
            events, position, restart = self.session.events_after(position)
            if restart:
                self.wfile.write(b'data: {"kind":"reset"}\n\n')
            # the events come framed and encoded once for every page: one write for them all
            self.wfile.write(b"".join(events) if events else b": still here\n\n")
            self.wfile.flush()
            if self.session.finished and not events:
                return
