"""The live page's server: the standard library's threaded HTTP server with server-sent events.

Why this and not an ASGI app or websockets: the page only needs a stream from the trainer to
the browser plus a handful of button presses back, which is exactly what server-sent events
(one long GET) and small POSTs give; the standard library serves both with no dependency, and
the browser's EventSource reconnects by itself after a reload or a dropped connection.

It binds 127.0.0.1 unless told otherwise and serves only its own files, by exact name (nothing
is read from a path the request names). Each connection is its own thread, so several tabs can
watch one run.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from models.live.session import LiveSession


class PortInUse(Exception):
    """The port asked for is taken; the message is the one line to show."""


# more GET paths: each gets the session and the query's fields, returns (content type, body)
Routes = dict[str, Callable[[LiveSession, dict[str, str]], tuple[str, bytes]]]


class LiveServer:
    """Serves `page` at / and the session's events at /events, controls at POST /control;
    `routes` adds more GET paths (exact names) that return (content type, body)."""

    def __init__(self, session: LiveSession, page: str, host: str = "127.0.0.1",
                 port: int = 0, routes: Routes | None = None) -> None:
        handler = type("Handler", (_Handler,), {"session": session, "page": page.encode(),
                                                "routes": routes or {}})
        try:
            self.httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as error:
            reason = error.strerror or str(error)
            raise PortInUse(f"live: cannot listen on {host}:{port} ({reason}); "
                            "choose another --port, or leave it out for a free one") from None
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    session: LiveSession
    page: bytes
    routes: Routes
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass   # the terminal shows training, not requests

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.page)
        elif path == "/events":
            self._stream()
        elif path == "/favicon.ico":   # asked for by pages without one (the explorer's)
            self._send(HTTPStatus.NO_CONTENT, "image/x-icon", b"")
        elif path in self.routes:
            fields = {k: v[-1] for k, v in parse_qs(query).items()}
            try:
                kind, body = self.routes[path](self.session, fields)
            except (KeyError, ValueError) as error:
                self._send(HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                           f"{path}: {error}\n".encode())
                return
            self._send(HTTPStatus.OK, kind, body)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")

    def do_POST(self) -> None:
        if self.path != "/control":
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
            return
        try:
            length = min(int(self.headers.get("Content-Length", "0")), 10_000)
            request = json.loads(self.rfile.read(length) or b"{}")
            problem = self.session.control(str(request.get("action")), request.get("value"))
        except (ValueError, AttributeError):
            problem = "control: expected a JSON object with an action"
        status = HTTPStatus.BAD_REQUEST if problem else HTTPStatus.OK
        self._send(status, "application/json", json.dumps({"error": problem}).encode())

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        position = 0
        try:
            while True:
                events, position, restart = self.session.events_after(position)
                if restart:
                    self.wfile.write(b'data: {"kind":"reset"}\n\n')
                for event in events:
                    self.wfile.write(b"data: " + event.encode() + b"\n\n")
                if not events:
                    self.wfile.write(b": still here\n\n")   # notices a closed tab
                self.wfile.flush()
                if self.session.finished and not events:
                    return
        except (BrokenPipeError, ConnectionResetError):
            return
