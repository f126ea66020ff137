"""The live server as another web page (or a hostile client) on this machine sees it: without the
token, from another Origin or under another Host name nothing is served or changed (403); bodies
are bounded, malformed controls answered, slow requests dropped, streams bounded; read-only serves
no controls; the playground's neuron pages are POST-only and computed once per step."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from models.live.server import TOKEN_HEADER, Limits, LiveServer, PortInUse, ServerError
from models.live.session import LiveSession
from tests.test_live import wait_for

PAGE = "<html><head><title>t</title></head><body>page</body></html>"


@pytest.fixture
def served() -> Iterator[tuple[LiveServer, LiveSession]]:
    session = LiveSession()
    server = LiveServer(session, PAGE)
    try:
        yield server, session
    finally:
        session.finish()
        server.close()


def ask(server: LiveServer, method: str, path: str, body: bytes = b"",
        headers: dict[str, str] | None = None, host: str | None = None) -> tuple[int, bytes]:
    """One request exactly as given (Host included); the status and the body."""
    # generous: the server runs at nice 19, and a loaded machine gives it little time
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host if host is not None else f"127.0.0.1:{server.port}")
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    if method == "POST":
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body if method == "POST" else None)
    response = connection.getresponse()
    status = response.status
    data = response.read() if path.split("?")[0] != "/events" or status != 200 else b""
    connection.close()
    return status, data


def control(server: LiveServer, body: dict, **headers: str) -> tuple[int, bytes]:
    return ask(server, "POST", "/control", json.dumps(body).encode(),
               {TOKEN_HEADER: server.token, **headers})


def lr_taken_before_an_own_pause(server: LiveServer, session: LiveSession) -> float | None:
    """The learning rate the trainer has taken from every control the server accepted so far.
    The server passes controls on in order, so once the page's own pause (sent now) has reached
    the trainer, everything accepted before it has too. The run is resumed after."""
    own = f"http://127.0.0.1:{server.port}"
    assert control(server, {"action": "pause"}, Origin=own)[0] == 200
    wait_for(lambda: session.paused, 10, "the page's own pause")
    lr = session.take_new_lr()
    assert control(server, {"action": "resume"}, Origin=own)[0] == 200
    wait_for(lambda: not session.paused, 10, "the page's own resume")
    return lr


def paused_before_an_own_lr(server: LiveServer, session: LiveSession) -> bool:
    """Whether the trainer is paused by the controls the server accepted so far (as above, with
    the page's own learning rate as the last control; it is taken)."""
    own = f"http://127.0.0.1:{server.port}"
    assert control(server, {"action": "lr", "value": 0.25}, Origin=own)[0] == 200
    wait_for(lambda: session.take_new_lr() == 0.25, 10, "the page's own lr")
    return session.paused


def test_the_printed_url_carries_the_token_and_the_page_holds_it(served) -> None:
    server, _ = served
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    status, page = ask(server, "GET", f"/?token={server.token}")
    assert status == 200 and f'content="{server.token}"'.encode() in page
    assert len(server.token) >= 24
    assert LiveServer(LiveSession(), PAGE).token != server.token   # made at random, per server


@pytest.mark.parametrize("what", ["no token", "a wrong token", "another origin", "a foreign host",
                                  "a null origin"])
def test_a_foreign_request_changes_nothing_and_gets_403(served, what: str) -> None:
    server, session = served
    token = {"no token": "", "a wrong token": "x" * 32}.get(what, server.token)
    headers = {TOKEN_HEADER: token} if token else {}
    if what == "another origin":
        headers["Origin"] = "http://evil.example"
    if what == "a null origin":
        headers["Origin"] = "null"
    host = "evil.example" if what == "a foreign host" else None
    body = json.dumps({"action": "lr", "value": 9.99}).encode()
    assert ask(server, "POST", "/control", body, headers, host)[0] == 403
    assert lr_taken_before_an_own_pause(server, session) is None
    assert ask(server, "POST", "/control", json.dumps({"action": "pause"}).encode(), headers,
               host)[0] == 403
    assert not paused_before_an_own_lr(server, session)
    query = f"?token={token}" if token else ""
    assert ask(server, "GET", "/events" + query, headers=headers, host=host)[0] == 403
    if what != "a wrong token" and what != "no token":
        assert ask(server, "GET", "/" + query, headers=headers, host=host)[0] == 403
    assert ask(server, "GET", "/", host=host)[0] == 403   # the page itself needs the token


def test_the_pages_own_requests_are_served(served) -> None:
    server, session = served
    own = f"http://127.0.0.1:{server.port}"
    assert control(server, {"action": "lr", "value": 0.5}, Origin=own)[0] == 200
    wait_for(lambda: session.take_new_lr() == 0.5, 10, "the trainer to take the lr")
    other_name = ask(server, "POST", "/control", json.dumps({"action": "pause"}).encode(),
                     {TOKEN_HEADER: server.token, "Origin": own}, host=f"localhost:{server.port}")
    assert other_name[0] == 403   # the Origin is not this Host's
    assert not paused_before_an_own_lr(server, session)
    status, _ = ask(server, "GET", f"/?token={server.token}", host=f"localhost:{server.port}")
    assert status == 200
    session.publish("step", step=1)
    session.finish()
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    connection.sendall(f"GET /events?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                       .encode())
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    assert b"200 OK" in received and b'"kind":"step"' in received


def test_hostile_bodies_get_an_answer_and_never_a_second_request(served) -> None:
    server, session = served
    big = b'{"action": "pause", "pad": "' + b"x" * 20_000 + b'"}'
    status, text = ask(server, "POST", "/control", big, {TOKEN_HEADER: server.token})
    assert status == 413 and b"at most 10000" in text
    assert not paused_before_an_own_lr(server, session)
    for body, expected in [(b"[" * 4_000 + b"]" * 4_000, "expected a JSON object"),
                           (b'{"action": "lr", "value": 1' + b"0" * 400 + b"}", "control:"),
                           (b'"just a string"', "expected a JSON object"),
                           (b"\xff\xfe", "expected a JSON object")]:
        status, reply = ask(server, "POST", "/control", body, {TOKEN_HEADER: server.token})
        assert status == 400 and expected in json.loads(reply)["error"], (body[:30], reply)
    status, _ = ask(server, "POST", "/control", b"{}",
                    {TOKEN_HEADER: server.token, "Content-Length": "-5"})
    assert status == 400
    assert control(server, {"action": "pause"})[0] == 200   # still serving
    wait_for(lambda: session.paused, 10, "the trainer to take the pause")


def test_a_half_sent_request_is_dropped() -> None:
    session = LiveSession()
    server = LiveServer(session, PAGE, limits=Limits(timeout=0.5))
    try:
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # never finished
        started = time.monotonic()
        assert connection.recv(1024) == b""   # the server closes it
        assert time.monotonic() - started < 8   # its 0.5 s, not the default 10 s
        connection.close()
    finally:
        server.close()


def test_event_streams_are_bounded() -> None:
    session = LiveSession()
    server = LiveServer(session, PAGE, limits=Limits(max_streams=2))
    open_streams = []
    try:
        for _ in range(2):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", f"/events?token={server.token}")
            assert connection.getresponse().status == 200
            open_streams.append(connection)
        assert ask(server, "GET", f"/events?token={server.token}")[0] == 503
    finally:
        session.finish()
        for connection in open_streams:
            connection.close()
        server.close()


def test_read_only_serves_the_run_without_controls() -> None:
    session = LiveSession()
    server = LiveServer(session, PAGE, read_only=True)
    try:
        status, page = ask(server, "GET", f"/?token={server.token}")
        assert status == 200 and b'name="backproplab-read-only" content="1"' in page
        assert control(server, {"action": "pause"})[0] == 403
        # read-only has no control of its own to send after it: nothing may arrive for a second
        assert session._inbox is not None and not session._inbox.poll(1.0)
    finally:
        session.finish()
        server.close()


def test_a_wildcard_address_warns_and_accepts_only_addresses() -> None:
    session = LiveSession()
    server = LiveServer(session, PAGE, host="0.0.0.0")
    try:
        lines = server.banner("live view")
        assert lines[0].startswith("live view: http://") and "0.0.0.0" not in lines[0]
        assert server.token in lines[0]
        assert len(lines) == 2 and "warning: --host 0.0.0.0" in lines[1] and "--read-only" in lines[1]
        assert ask(server, "GET", f"/?token={server.token}", host="10.1.2.3:80")[0] == 200
        assert ask(server, "GET", f"/?token={server.token}", host="rebound.example")[0] == 403
    finally:
        session.finish()
        server.close()
    assert LiveServer(LiveSession(), PAGE).banner("live view")[1:] == []   # loopback: no warning


def test_the_playgrounds_neuron_pages_are_post_only_and_checked() -> None:
    from models.live.playground import Playground
    from models.live.playground_server import NeuronPages

    playground = Playground("xor")
    session = LiveSession()
    server = LiveServer(session, PAGE, post_routes={"/neuron": NeuronPages()})
    try:
        assert ask(server, "GET", f"/neuron?layer=1&neuron=0&token={server.token}")[0] == 404
        body = json.dumps({"layer": 1, "neuron": 0}).encode()
        status, text = ask(server, "POST", "/neuron", body, {TOKEN_HEADER: server.token})
        assert status == 400 and b"no step taken yet" in text
        session.share("playground", playground.snapshot())
        wait_for(lambda: ask(server, "POST", "/neuron", json.dumps({"layer": 1, "neuron": 1}
                                                                   ).encode(),
                             {TOKEN_HEADER: server.token})[0] == 200, what="the snapshot")
        status, first = ask(server, "POST", "/neuron", body, {TOKEN_HEADER: server.token})
        assert status == 200 and b"neuron 0 of layer 1" in first
        assert ask(server, "POST", "/neuron", body, {TOKEN_HEADER: server.token})[1] == first
        for bad in ({"layer": "1e9", "neuron": 0}, {"layer": 1}, {"layer": 9, "neuron": 0}):
            status, text = ask(server, "POST", "/neuron", json.dumps(bad).encode(),
                               {TOKEN_HEADER: server.token})
            assert status == 400 and text.startswith(b"/neuron: "), text
        assert ask(server, "POST", "/neuron", body)[0] == 403
    finally:
        session.finish()
        server.close()


def test_a_neurons_page_is_made_once_per_step(monkeypatch) -> None:
    from models.live import playground_server
    from models.live.feed import EventFeed
    from models.live.playground import Playground

    made: list[tuple[int, int, int]] = []
    real = playground_server.neuron_page

    def counted(step, point, weights, layer, neuron):
        made.append((step, layer, neuron))
        return real(step, point, weights, layer, neuron)

    monkeypatch.setattr(playground_server, "neuron_page", counted)
    playground, feed, pages = Playground("xor"), EventFeed(), playground_server.NeuronPages()
    feed.extras["playground"] = playground.snapshot()
    first = pages(feed, {"layer": "1", "neuron": "0"})
    assert pages(feed, {"layer": "1", "neuron": "0"}) == first and made == [(0, 1, 0)]
    pages(feed, {"layer": "1", "neuron": "2"})
    playground.train_step()
    feed.extras["playground"] = playground.snapshot()
    assert pages(feed, {"layer": "1", "neuron": "0"}) != first   # a new step: made again
    assert made == [(0, 1, 0), (0, 1, 2), (1, 1, 0)]


def test_the_graph_is_drawn_once_per_drawing_however_many_pages_ask(monkeypatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import graphviz

    from models.live.feed import EventFeed
    from models.live.training import GraphPicture

    drawn: list[str] = []

    class Counted:   # stands in for Graphviz: slow enough that the pages' asks overlap
        def __init__(self, source: str) -> None:
            self.source = source

        def pipe(self, format: str, quiet: bool) -> bytes:
            drawn.append(self.source)
            time.sleep(0.3)
            if self.source == "not dot":
                raise graphviz.CalledProcessError(1, ["dot"], stderr=b"syntax error")
            return f"<svg>{self.source}</svg>".encode()

    monkeypatch.setattr(graphviz, "Source", Counted)
    feed, picture = EventFeed(), GraphPicture()
    with pytest.raises(KeyError, match="no graph drawn yet"):
        picture(feed, {})
    feed.extras["graph"] = (10, "a")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: picture(feed, {}), range(8)))
    assert drawn == ["a"] and set(answers) == {("image/svg+xml", b"<svg>a</svg>")}
    feed.extras["graph"] = (20, "b")   # a newer drawing: drawn, and kept in the old one's place
    assert picture(feed, {})[1] == b"<svg>b</svg>" and picture(feed, {})[1] == b"<svg>b</svg>"
    assert drawn == ["a", "b"]
    feed.extras["graph"] = (30, "not dot")   # Graphviz fails on it: once, whoever asks
    for _ in range(3):
        with pytest.raises(graphviz.CalledProcessError):
            picture(feed, {})
    assert drawn == ["a", "b", "not dot"]


def test_a_graph_graphviz_cannot_draw_is_one_line_and_the_server_goes_on(capfd) -> None:
    from models.live.training import GraphPicture

    session = LiveSession()
    server = LiveServer(session, PAGE, routes={"/graph.svg": GraphPicture()})
    path = f"/graph.svg?token={server.token}"
    try:
        session.share("graph", (1, "digraph { this is not dot"))
        status, text = wait_for(lambda: (lambda answer: answer[0] != 400 and answer)(
            ask(server, "GET", path)), 10, "the drawing to reach the server")
        assert status == 500 and text.startswith(b"/graph.svg: CalledProcessError: "), text
        assert text.count(b"\n") == 1 and b"Traceback" not in text
        assert ask(server, "GET", path) == (status, text)
        said = capfd.readouterr().err.strip().splitlines()   # the server's terminal is ours
        assert said == [f"live: {text.decode().strip()}"] * 2, said   # not Graphviz's own lines
        session.share("graph", (2, "digraph { a -> b }"))
        status, svg = wait_for(lambda: (lambda answer: answer[0] == 200 and answer)(
            ask(server, "GET", path)), 10, "the next drawing")
        assert b"<svg" in svg
    finally:
        session.finish()
        server.close()


def test_another_sites_page_in_a_real_browser_cannot_drive_or_read_the_run(browser) -> None:
    """The attacks of the issue, run by Chromium from pages of another origin: a no-cors fetch
    that sets the learning rate beside an EventSource, then a text/plain form that pauses."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    session = LiveSession()
    server = LiveServer(session, PAGE)
    target = f"http://127.0.0.1:{server.port}"
    attacks = {"/lr": f"""<html><body><script>
      const settled = new Set();
      function done(what) {{ settled.add(what); if (settled.size === 2) document.title = 'done'; }}
      fetch('{target}/control', {{method: 'POST', mode: 'no-cors',
             body: '{{"action":"lr","value":9.99}}'}}).finally(function () {{ done('fetch'); }});
      const events = new EventSource('{target}/events');
      events.onmessage = function () {{ document.title = 'read the run'; }};
      events.onerror = function () {{ events.close(); done('events'); }};
      </script></body></html>""",
               "/pause": f"""<html><body><form id="f" method="POST" action="{target}/control"
      enctype="text/plain" target="sink"><input name='{{"action":"pause","x":"' value='"}}'>
      </form><iframe id="sink" name="sink"></iframe><script>
      document.getElementById('f').submit();
      document.getElementById('sink').onload = function () {{ document.title = 'sent'; }};
      </script></body></html>"""}

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in attacks:   # the browser's /favicon.ico
                self.send_error(404)
                return
            page = attacks[self.path].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    evil = ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://localhost:{evil.server_address[1]}/lr")
        wait_for(lambda: browser.title in ("done", "read the run"), 10, "the fetch and the stream")
        assert browser.title == "done"   # the stream was refused, never read
        assert lr_taken_before_an_own_pause(server, session) is None
        browser.get(f"http://localhost:{evil.server_address[1]}/pause")
        wait_for(lambda: browser.title == "sent", 10, "the form's POST to be answered")
        assert not paused_before_an_own_lr(server, session)
        browser.get(server.url)   # the page itself, with the token, is served
        assert "page" in browser.page_source
    finally:
        browser.get("about:blank")
        evil.shutdown()
        evil.server_close()
        session.finish()
        server.close()


def test_the_server_is_a_process_apart_that_never_holds_the_trainer_and_dies_with_it() -> None:
    """Publishing does not wait for the server (here stopped with SIGSTOP, 20 MB published);
    the server runs at the lowest priority; killed with SIGKILL, the trainer takes its server
    with it (no process is left holding the port)."""
    session = LiveSession()
    server = LiveServer(session, PAGE)
    try:
        assert server.pid != os.getpid() and os.getpriority(os.PRIO_PROCESS, server.pid) == 19
        os.kill(server.pid, signal.SIGSTOP)

        def publish() -> None:
            for step in range(2000):
                session.publish("step", step=step, padding="x" * 10_000)

        publishing = threading.Thread(target=publish, daemon=True)
        started = time.monotonic()
        publishing.start()
        publishing.join(30)   # a publish that waited for the stopped server would never end
        assert not publishing.is_alive() and time.monotonic() - started < 5.0
        os.kill(server.pid, signal.SIGCONT)
        wait_for(lambda: b'"step":1999' in _events_until_finished(server, session), 30,
                 "the events after the server was held")
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.close()
    trainer = subprocess.Popen(
        [sys.executable, "-c", "import time; from models.live.session import LiveSession; "
         "from models.live.server import LiveServer; server = LiveServer(LiveSession(), ''); "
         "print(server.port, server.pid, flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    assert trainer.stdout is not None
    port, pid = map(int, trainer.stdout.readline().split())
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    trainer.kill()
    trainer.wait()
    wait_for(lambda: not _alive(pid), 10, "the server to end with its trainer")


def _events_until_finished(server: LiveServer, session: LiveSession) -> bytes:
    session.finish()
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(f"GET /events?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                       .encode())
    received = b""
    while chunk := connection.recv(1 << 20):
        received += chunk
    connection.close()
    return received


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie no one has reaped yet does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_page_that_stops_reading_holds_no_other_and_is_dropped() -> None:
    """One thread writes every stream: a page that takes no bytes (its buffers full) does not
    delay another's events — the other page has them while the stuck one is still connected —
    and is dropped after `timeout` seconds. (The relay itself, on socket pairs with small
    buffers, so that the stuck page is stuck whatever the machine's TCP buffer sizes.)"""
    from models.live.feed import EventFeed, frame
    from models.live.relay import Relay

    feed = EventFeed()
    relay = Relay(feed, timeout=2.0)
    relay.start()
    stuck_end, stuck = socket.socketpair()
    reader_end, reader = socket.socketpair()
    try:
        for end in (stuck_end, stuck):
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck_done = relay.add(stuck_end)
        for step in range(100):   # 100 kB: far more than the stuck page's buffers hold
            feed.add(frame(json.dumps({"kind": "step", "step": step, "padding": "x" * 1_000})))
        relay.add(reader_end)
        feed.add(frame('{"kind":"marker"}'))
        reader.settimeout(30)
        received = b""
        while b'"kind":"marker"' not in received:
            chunk = reader.recv(1 << 20)
            assert chunk, "the reading page's stream ended before the marker"
            received += chunk
        assert not stuck_done.is_set()   # the marker came while the stuck page still held its place
        assert stuck_done.wait(30)   # then, after `timeout` seconds taking nothing, it is dropped
    finally:
        feed.finish()
        for end in (stuck_end, stuck, reader_end, reader):
            end.close()


def test_when_the_server_dies_a_paused_run_goes_on_with_one_line(capfd) -> None:
    session = LiveSession()
    server = LiveServer(session, PAGE)
    try:
        assert control(server, {"action": "pause"})[0] == 200
        wait_for(lambda: session.paused, 10, "the trainer to take the pause")
        os.kill(server.pid, signal.SIGKILL)
        started = time.monotonic()
        session.wait_for_permission(lambda: False)   # returns: nobody is left to resume it
        assert time.monotonic() - started < 5 and not session.paused
        assert "live: the page's server has stopped; training goes on without it" in capfd.readouterr().err
    finally:
        server.close()


def test_the_server_starts_whatever_the_folder_holds_and_names_other_failures(
        tmp_path, monkeypatch, capfd) -> None:
    """A student's json.py in the current folder does not shadow the server's; a start that
    fails for another reason than the port is not called a taken port; a value that cannot be
    sent is one line, and the events after it still arrive."""
    (tmp_path / "json.py").write_text("raise ImportError('the wrong json')\n")
    monkeypatch.chdir(tmp_path)
    session = LiveSession()
    server = LiveServer(session, PAGE)
    try:
        assert ask(server, "GET", f"/?token={server.token}")[0] == 200
        session.share("broken", lambda: 0)   # cannot be pickled
        session.publish("after")
        assert b'"kind":"after"' in _events_until_finished(server, session)
        assert "live: extra broken cannot be sent to the page" in capfd.readouterr().err
    finally:
        server.close()
    with pytest.raises(ServerError, match="live: the page's server cannot be given its routes") as error:
        LiveServer(LiveSession(), PAGE, routes={"/x": lambda feed, fields: ("text/plain", b"")})
    assert not isinstance(error.value, PortInUse)


def test_controls_never_wait_for_a_busy_trainer_and_their_backlog_is_bounded() -> None:
    """A trainer in a long step takes no controls: the page's requests are still answered at
    once, and once the pipe and `controls_waiting` are full the next gets 503; when the trainer
    takes them, controls are accepted again."""
    session = LiveSession()
    server = LiveServer(session, PAGE, limits=Limits(controls_waiting=4))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = json.dumps({"action": "step"}).encode()
    headers = {TOKEN_HEADER: server.token, "Content-Type": "application/json"}
    try:
        statuses, seconds = [], []
        while 503 not in statuses and len(statuses) < 20_000:   # the pipe holds a few thousand
            started = time.monotonic()
            connection.request("POST", "/control", body, headers)
            response = connection.getresponse()
            statuses.append(response.status)
            refusal = response.read()
            seconds.append(time.monotonic() - started)
        assert statuses[-1] == 503 and b"too many controls are waiting" in refusal
        assert set(statuses[:-1]) == {200}
        # no answer waits for the page's delayed ACK (Nagle: 40-80 ms each; here 0.4 ms)
        assert sorted(seconds)[len(seconds) // 10] < 0.02
        session.wait_for_permission(lambda: False)   # the trainer takes what was sent

        def accepted() -> bool:
            connection.request("POST", "/control", json.dumps({"action": "resume"}).encode(),
                               headers)
            response = connection.getresponse()
            response.read()
            return response.status == 200

        wait_for(accepted, 10, "a control accepted again")
    finally:
        connection.close()
        session.finish()
        server.close()


def test_a_control_after_the_trainer_closed_its_end_is_told_the_run_has_ended() -> None:
    from multiprocessing import Pipe

    from models.live.server import _ToTrainer

    reader, writer = Pipe(duplex=False)
    reader.close()   # the trainer is gone
    to_trainer = _ToTrainer(writer, 4)
    to_trainer.start()
    assert to_trainer.put(("pause", None)) == ""   # queued: its send then fails
    wait_for(lambda: to_trainer.put(("pause", None)) == "the run has ended", 10,
             "the failed send to be noticed")
