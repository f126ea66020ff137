"""Every page's event stream, written by one thread of the server process.

A class is hundreds of pages. With a thread per page, each batch of events would wake hundreds
of threads at once, and they would take turns for the interpreter lock and the CPU; here one
thread takes each new batch and writes it to every page's socket without blocking, keeping
what a slow page has not yet taken, and drops a page that takes nothing for `timeout` seconds.
A page with nothing new gets a comment every `KEEP_ALIVE` seconds, so a dead connection is
found and the page's EventSource knows the server is there.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

from models.live.feed import EventFeed

KEEP_ALIVE = 1.0   # seconds between two comments on a stream with no events
RETRY = 0.05       # seconds between two tries to write to a page that was not taking bytes


@dataclass(eq=False)
class _Page:
    connection: socket.socket
    done: threading.Event = field(default_factory=threading.Event)
    position: int = 0         # the serial of the last event taken into `pending`
    pending: bytes = b""      # bytes the page has not yet taken
    last_write: float = field(default_factory=time.monotonic)   # when it last took a byte


class Relay(threading.Thread):
    """Writes the feed's events to every page `add`ed, from its first event on, until the feed
    is finished (then each page's stream ends once it has every event)."""

    def __init__(self, feed: EventFeed, timeout: float) -> None:
        super().__init__(daemon=True, name="live-relay")
        self.feed, self.timeout = feed, timeout
        self._pages: list[_Page] = []
        self._lock = threading.Lock()

    def add(self, connection: socket.socket) -> threading.Event:
        """Stream the feed to `connection` (its response headers sent); the event is set when
        the stream has ended and the connection may be closed."""
        connection.setblocking(False)
        page = _Page(connection)
        with self._lock:
            self._pages.append(page)
        self.feed.wake()
        return page.done

    def run(self) -> None:
        seen = 0
        while True:
            with self._lock:
                pages = list(self._pages)
            waiting = any(page.pending for page in pages)
            seen = self.feed.wait_past(seen, RETRY if waiting else KEEP_ALIVE)
            ended = [page for page in pages if not self._serve(page)]
            if ended:
                with self._lock:
                    self._pages = [page for page in self._pages if page not in ended]
                for page in ended:
                    page.done.set()

    def _serve(self, page: _Page) -> bool:
        """Write what `page` has not yet taken; False when its stream has ended."""
        now = time.monotonic()
        if not page.pending:
            events, page.position = self.feed.events_after(page.position)
            if events:
                page.pending = b"".join(events)
            elif self.feed.finished:
                return False
            elif now - page.last_write >= KEEP_ALIVE:
                page.pending = b": still here\n\n"
        if page.pending:
            try:
                sent = page.connection.send(page.pending)
            except BlockingIOError:
                sent = 0
            except OSError:   # the page went away
                return False
            if sent:
                page.pending, page.last_write = page.pending[sent:], now
            elif now - page.last_write > self.timeout:   # it stopped reading
                return False
        return True
