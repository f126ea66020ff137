"""The live training view, end to end: a real `backproplab train --live` process watched in
headless Chromium at 1280×800 — the loss chart gains points, pause holds the step count, resume
moves it again, and SIGINT stops the run with status 130 and a checkpoint `eval` reads; and the
server's edges: its own files only, a second tab, a taken port, bad controls."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from models.live.server import LiveServer, PortInUse
from models.live.session import LiveSession

ROOT = Path(__file__).resolve().parent.parent


def interruptible() -> None:
    """In the child: SIGINT as a terminal's Ctrl-C, even when the suite was started in the
    background (where SIGINT is ignored, and a child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop(process: subprocess.Popen, timeout: float = 60) -> int:
    """Ctrl-C, then the exit status; a process that does not stop is killed (and fails)."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"the process did not stop within {timeout} s of SIGINT")


def start_live_run(out: Path, *extra: str, model: str = "mlp",
                   eval_every: int = 50) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "models", "train", "--model", model, "--steps", "100000",
               "--eval-every", str(eval_every), "--out", str(out), "--quiet", "--live", *extra]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               preexec_fn=interruptible)
    deadline = time.time() + 60
    assert process.stdout is not None
    while time.time() < deadline:
        line = process.stdout.readline()
        found = re.search(r"live view: (http://127\.0\.0\.1:\d+/\?token=[\w-]+)$", line.strip())
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"no live URL printed: {process.stderr.read() if process.stderr else ''}")


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def next_frame(browser) -> None:
    """Return once the page has drawn a frame after now (its charts draw on animation frames)."""
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "requestAnimationFrame(function () { requestAnimationFrame(function () { done(); }); });")


def steady(read, seconds: float = 1.0):
    """`read()` once it gives the same value twice `seconds` apart (None until then), for
    `wait_for`: what a paused run's page shows once the step under way has arrived."""
    before = read()
    time.sleep(seconds)
    return before if read() == before else None


def test_live_run_pause_resume_and_sigint(browser, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process, url = start_live_run(out)
    try:
        browser.get_log("browser")   # what earlier tests left in the log is theirs
        browser.get(url)
        def points() -> int:
            return int(browser.find_element("id", "loss").get_attribute("data-points"))

        wait_for(lambda: points() >= 20, what="the loss chart to gain points")
        before = points()
        wait_for(lambda: points() > before, what="more points")
        browser.find_element("id", "pause").click()
        wait_for(lambda: browser.find_element("id", "status").text == "paused", what="paused")
        def step() -> int:
            return int(browser.find_element("id", "step").text)

        # the step under way when pause was pressed, and its events, arrive
        held = wait_for(lambda: steady(step), what="the step count to stop moving")
        time.sleep(1.5)
        assert step() == held, "the step count moved while paused"
        browser.find_element("id", "one-step").click()
        wait_for(lambda: step() == held + 1, what="one step")
        time.sleep(0.8)
        assert step() == held + 1
        browser.find_element("id", "resume").click()
        wait_for(lambda: step() > held + 5, what="training to resume")
        second_tab = urllib.request.urlopen(url, timeout=5).read().decode()
        assert "backproplab live" in second_tab
        shown = points()
        browser.refresh()   # a reload replays the run so far, then goes on
        wait_for(lambda: points() > shown, what="the reloaded page to catch up")
        wait_for(lambda: browser.find_elements("css selector", "#graph img"), what="the graph")
        graph = urllib.request.urlopen(url.replace("/?", "/graph.svg?"), timeout=30).read().decode()
        assert "<svg" in graph and "hidden" in graph   # the MLP's modules, one node each
        for e in browser.get_log("browser"):
            assert e["level"] != "SEVERE", e
    finally:
        browser.get("about:blank")   # the page would log its lost connection for later tests
        status = stop(process)
    assert status == 130, process.stderr.read() if process.stderr else ""
    evaluated = subprocess.run([sys.executable, "-m", "models", "eval", "--checkpoint", str(out),
                                "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["loss"] > 0
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert records and "layers" in records[0]   # --live records diagnostics (every 10 steps)


def test_a_taken_port_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "models", "train", "--model", "mlp", "--steps", "5",
             "--out", str(tmp_path / "run"), "--live", "--port", str(port), "--quiet"],
            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run" / "saves").exists()


def test_the_server_serves_only_its_own_files_and_checks_controls() -> None:
    session = LiveSession()
    server = LiveServer(session, "<html>page</html>")
    try:
        host, port = "127.0.0.1", server.port
        for path in ("/../pyproject.toml", "/etc/passwd", "/%2e%2e/README.md", "/events/../x",
                     "../README.md"):
            connection = http.client.HTTPConnection(str(host), port, timeout=5)
            connection.putrequest("GET", path, skip_host=True)   # the path exactly as written
            connection.endheaders()
            assert connection.getresponse().status == 404, path
            connection.close()
        assert urllib.request.urlopen(server.url, timeout=5).read() == b"<html>page</html>"  # no <head>

        def control(body: bytes) -> tuple[int, str]:
            request = urllib.request.Request(server.url.replace("/?", "/control?"), data=body,
                                             method="POST")
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, json.loads(response.read())["error"]
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())["error"]

        assert control(b'{"action": "lr", "value": "fast"}') == (400, "lr: not a number: 'fast'")
        assert control(b'{"action": "lr", "value": -1}')[0] == 400
        assert control(b"not json")[0] == 400
        assert control(b'{"action": "explode"}') == (400, "unknown control 'explode'")
        from tests.test_live_security import lr_taken_before_an_own_pause

        assert lr_taken_before_an_own_pause(server, session) is None   # no refused one arrived
        assert control(b'{"action": "lr", "value": 0.01}') == (200, "")
        # the answer comes when the server has accepted it; the trainer takes it between steps
        wait_for(lambda: session.take_new_lr() == 0.01, 10, "the trainer to take the lr")
        with pytest.raises(PortInUse, match=r"cannot listen on 127\.0\.0\.1:"):
            LiveServer(LiveSession(), "", port=server.port)
    finally:
        server.close()


def test_playground_trains_and_a_click_opens_the_neurons_graph(browser) -> None:
    from tests.test_playground import playground

    with playground("xor", browser) as url:
        browser.get_log("browser")
        browser.get(url)
        wait_for(lambda: int(browser.find_element("id", "step").text or 0) >= 3,
                 what="the playground to train")
        first = browser.current_window_handle
        browser.find_element("css selector", 'circle[data-layer="1"][data-neuron="3"]').click()
        wait_for(lambda: len(browser.window_handles) == 2, what="the neuron's page")
        browser.switch_to.window(next(h for h in browser.window_handles if h != first))
        wait_for(lambda: "neuron 3 of layer 1" in browser.page_source, what="the explorer")
        assert browser.find_elements("css selector", "svg")
        for e in browser.get_log("browser"):
            assert e["level"] != "SEVERE", e
        browser.close()
        browser.switch_to.window(first)


def test_the_playgrounds_boundary_is_the_scalar_networks_own_score() -> None:
    from models.live.playground import Playground
    from models.live.toys import toy_data

    for toy in ("moons", "xor", "spiral"):
        points, labels = toy_data(toy)
        assert points.shape == (100, 2) and set(labels) == {-1.0, 1.0}
    playground = Playground("moons")
    for _ in range(3):
        playground.train_step()
    scalar = [playground.model.forward(p).data for p in playground.points[:10]]
    np.testing.assert_allclose(playground.model.scores(playground.points[:10]), scalar, rtol=1e-12)


def test_the_playgrounds_and_the_graphs_bad_requests() -> None:
    from models.live.playground import Playground
    from models.live.toys import toy_data
    from models.live.training import GraphPicture

    with pytest.raises(ValueError, match="live: unknown toy 'circles': choose moons, xor, spiral"):
        toy_data("circles")
    with pytest.raises(ValueError, match="no neuron 16 in layer 1"):
        Playground("xor").neuron_page(1, 16)
    session = LiveSession()
    server = LiveServer(session, "", routes={"/graph.svg": GraphPicture()})
    try:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(server.url.replace("/?", "/graph.svg?"), timeout=5)
        assert error.value.code == 400 and b"no graph drawn yet" in error.value.read()
    finally:
        server.close()


def test_thinning_the_feed_bounds_it_and_never_disturbs_a_page_already_streaming() -> None:
    """Past 2 × KEEP_STEPS events every other of the oldest per-step events goes; a page in
    the middle of the stream goes on from where it was (no event twice, none after it lost),
    and a page that connects later gets the thinned history, the first event included."""
    from models.live.feed import KEEP_STEPS, EventFeed, frame

    feed = EventFeed()
    feed.add(frame('{"kind":"hello"}'))
    for step in range(1, 2 * KEEP_STEPS):
        feed.add(frame(f'{{"kind":"step","step":{step}}}'))
    middle = 2 * KEEP_STEPS - 100   # a page that has every event up to this serial
    for step in range(2 * KEEP_STEPS, 2 * KEEP_STEPS + 50):   # these thin the head
        feed.add(frame(f'{{"kind":"step","step":{step}}}'))
        feed.add(frame(f'{{"kind":"steps","records":[{step}]}}'))
    events, position = feed.events_after(middle)
    steps = [int(re.search(rb'"step":(\d+)', e).group(1)) for e in events if b'"step":' in e]
    assert steps == list(range(middle, 2 * KEEP_STEPS + 50))   # serial `middle` is step middle − 1
    assert position == 2 * KEEP_STEPS + 100   # the hello, 7999 steps, then 50 × 2
    everything, _ = feed.events_after(0)
    assert len(everything) < 2 * KEEP_STEPS and everything[0] == frame('{"kind":"hello"}')
    kept = [int(re.search(rb'"step":(\d+)', e).group(1)) for e in everything if b'"step":' in e]
    assert kept == sorted(kept) and sum(b'"kind":"steps"' in e for e in everything) == 50
