"""The two lanes a query runs in, and who waits for what (see ``runtime.pool`` for the rules).

``Lanes`` holds the bookkeeping only: the fast lane's slots and the queue for them, the slow lane's
slots per client, and the query texts known to be slow. It starts no process and sends nothing, so
its rules are tested on their own.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from icmpd_kg.core.errors import Busy

KNOWN_SLOW = 4096  # query texts remembered as slow (the oldest forgotten first)


@dataclass(eq=False)
class Entry:
    """One query in the lanes: its client, when it started, the worker running it."""

    client: str
    started: float
    worker: Any = None
    pinned: bool = False  # the site's own page queries: never moved on, never refused
    # done when told to leave the fast lane
    moved: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def _settle(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(False)


class Lanes:
    def __init__(
        self,
        fast: int = 2,
        slow: int = 2,
        fast_budget: float = 0.5,
        min_run: float = 0.05,
        client_share: int = 1,
    ):
        self.fast_slots, self.slow_slots = fast, slow
        self.fast_budget, self.min_run, self.client_share = fast_budget, min_run, client_share
        self.fast: list[Entry] = []
        self.slow: Counter[str] = Counter()
        # queries waiting for a fast slot: (client, waiter), first come first within a client
        self._waiting: deque[tuple[str, asyncio.Future]] = deque()
        self._served: OrderedDict[str, int] = OrderedDict()  # each client's last turn in the fast lane
        self._turns = 0
        self._known_slow: OrderedDict[int, None] = OrderedDict()  # texts that outran the fast lane

    # --- the fast lane -------------------------------------------------------------------------------
    async def enter_fast(self, entry: Entry, deadline: float) -> None:
        """Take a fast slot for ``entry``, waiting in turn; ``TimeoutError`` past ``deadline``. While
        every slot is taken, the query that has run longest (at least ``min_run``) is told to move on.
        Turns are fair between clients: a free slot goes to the waiting client that runs the fewest
        fast queries, so one address's many queries do not queue everyone else behind them."""
        loop = asyncio.get_running_loop()
        while len(self.fast) >= self.fast_slots or self._others_first(entry):
            # Only a query that is running can have had its turn (one still waiting for its worker
            # to start has not): the one that has run longest moves on to the slow lane (or stops).
            running = [r for r in self.fast if r.worker is not None and not r.pinned]
            oldest = min(running, key=lambda r: r.started) if running else None
            ran = loop.time() - oldest.started if oldest is not None else 0.0
            if oldest is not None and ran >= self.min_run:
                if not oldest.moved.done():
                    oldest.moved.set_result(None)
            if loop.time() >= deadline:
                raise TimeoutError()
            wait = min(deadline - loop.time(), max(0.001, self.min_run - ran) if ran < self.min_run else 0.01)
            if len(self.fast) < self.fast_slots:  # a free slot this entry leaves to another client
                self._wake_next()
                wait = min(wait, 0.05)
            waiter = loop.create_future()
            item = (entry.client, waiter)
            self._waiting.append(item)
            timer = loop.call_later(wait, _settle, waiter)  # a plain timer: no task per wait
            try:
                await waiter
            except BaseException:  # cancelled (the client left): a wake-up meant for it goes on
                if waiter.done() and not waiter.cancelled() and waiter.result():
                    self._wake_next()
                raise
            finally:
                timer.cancel()
                woken = waiter.done() and not waiter.cancelled() and waiter.result()
                if not woken and item in self._waiting:  # timed out (a woken one was taken off)
                    self._waiting.remove(item)
        self.fast.append(entry)
        self._turns += 1
        self._served[entry.client] = self._turns
        self._served.move_to_end(entry.client)
        if len(self._served) > KNOWN_SLOW:
            self._served.popitem(last=False)

    def leave_fast(self, entry: Entry) -> None:
        if entry in self.fast:
            self.fast.remove(entry)
            self._wake_next()

    def _turn_key(self, client: str, counts: Counter[str]) -> tuple[int, int]:
        """Who goes first: the client running the fewest fast queries, then the one served longest
        ago (a client never served, or forgotten, first of all)."""
        return counts[client], self._served.get(client, 0)

    def _others_first(self, entry: Entry) -> bool:
        """Whether another waiting client's turn comes before ``entry``'s client's."""
        if not self._waiting or entry.pinned:
            return False
        others = [c for c, w in self._waiting if c != entry.client and not w.done()]
        if not others:  # only this client waits (one address's many connections)
            return False
        counts = Counter(e.client for e in self.fast)
        mine = self._turn_key(entry.client, counts)
        return any(self._turn_key(c, counts) < mine for c in others)

    def _wake_next(self) -> None:
        """Wake one query waiting for a fast slot (one, not all: the others would only find the slot
        taken): of the client whose turn comes first, the one that has waited longest."""
        live = [(c, w) for c, w in self._waiting if not w.done()]
        self._waiting = deque(live)
        if not live:
            return
        first = live[0][0]
        if all(c == first for c, _ in live):  # one client waits: its longest-waiting query
            chosen = 0
        else:
            counts = Counter(e.client for e in self.fast)
            chosen = min(range(len(live)), key=lambda i: (self._turn_key(live[i][0], counts), i))
        _, waiter = live[chosen]
        del self._waiting[chosen]
        waiter.set_result(True)  # woken (a timed-out wait is settled with False)

    # --- the slow lane -------------------------------------------------------------------------------
    def retry_after(self) -> int:
        return max(1, math.ceil(self.fast_budget * 4))

    def refuse_if_no_slow_slot(self, client: str) -> None:
        """``Busy`` (429: the client's share is used; 503: the lane is full) unless a slow slot is free."""
        if self.slow[client] >= self.client_share:
            raise Busy(
                429,
                f"this client already runs {self.slow[client]} slow quer"
                f"{'y' if self.slow[client] == 1 else 'ies'} (its share); retry later",
                self.retry_after(),
            )
        if sum(self.slow.values()) >= self.slow_slots:
            raise Busy(503, "every slot for slow queries is taken; retry later", self.retry_after())

    def enter_slow(self, client: str) -> None:
        self.refuse_if_no_slow_slot(client)
        self.slow[client] += 1

    def leave_slow(self, client: str) -> None:
        self.slow[client] -= 1
        if self.slow[client] <= 0:
            del self.slow[client]

    # --- texts known to be slow ----------------------------------------------------------------------
    def knows_slow(self) -> bool:
        return bool(self._known_slow)

    def is_known_slow(self, key: int) -> bool:
        if key in self._known_slow:
            self._known_slow.move_to_end(key)
            return True
        return False

    def remember_slow(self, key: int) -> None:
        self._known_slow[key] = None
        if len(self._known_slow) > KNOWN_SLOW:
            self._known_slow.popitem(last=False)
