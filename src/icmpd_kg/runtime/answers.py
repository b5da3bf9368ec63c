"""The answers kept: a query asked again, on a store that has not changed, gets the same bytes
without a trip to a worker (``Answers``)."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

# Functions whose value changes from one evaluation to the next; SERVICE asks another server.
_NOT_REPEATABLE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(|\bSERVICE\b", re.IGNORECASE)


class Answers:
    """Answers already given, by request (text, dataset, Accept, format): the store is read-only
    between updates, so a query asked again gets the same bytes without a trip to a worker. Only
    answers that a new evaluation would repeat are kept (no NOW(), RAND(), UUID(), STRUUID(),
    BNODE(), SERVICE), each at most ``largest`` bytes and ``budget`` bytes in all, the least
    recently used forgotten first; an update forgets them all (``clear``)."""

    def __init__(self, budget: int = 32 * 2**20, largest: int = 256 * 2**10, seen: int = 65_536):
        self.budget, self.largest = budget, largest
        self.size = 0
        self._kept: OrderedDict[tuple, Any] = OrderedDict()
        # requests asked once (their hashes): an answer is kept when its request comes a second
        # time, so that texts asked only once (made anew by a client) cost nothing here
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._seen_limit = seen

    @staticmethod
    def key(request: Any) -> tuple:
        return (
            request.query,
            tuple(request.default_graph_uris),
            tuple(request.named_graph_uris),
            request.accept,
            request.format,
        )

    def get(self, key: tuple) -> Any:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: tuple, response: Any) -> None:
        size = len(response.body) + len(key[0])
        if size > min(self.largest, self.budget) or key in self._kept:
            return
        hashed = hash(key)
        if hashed not in self._seen:
            self._seen[hashed] = None
            if len(self._seen) > self._seen_limit:
                self._seen.popitem(last=False)
            return
        del self._seen[hashed]
        if _NOT_REPEATABLE.search(key[0]):
            return
        self._kept[key] = response
        self.size += size
        while self.size > self.budget:
            old_key, old = self._kept.popitem(last=False)
            self.size -= len(old.body) + len(old_key[0])

    def clear(self) -> None:
        self._kept.clear()
        self._seen.clear()
        self.size = 0
