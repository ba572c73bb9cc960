"""What a dataset keeps of its own derived results: a dict used as a least-recently-used
store, bounded, for :meth:`eyanalysis.data.dataset.Dataset.as_of` (its cuts) and
:mod:`eyanalysis.data.claims` (a term's claims)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NONE = object()


def recent(store: dict, key: Any, make: Callable[[], Any], limit: int,
           fresh: Callable[[Any], bool] | None = None) -> Any:
    """``store[key]`` when it is there (and ``fresh`` of it holds), else ``make()`` kept under
    ``key``; either way the entry becomes the most recently used, and only the ``limit``
    most recently used entries stay."""
    value = store.pop(key, _NONE)
    if value is _NONE or (fresh is not None and not fresh(value)):
        value = make()
    store[key] = value  # a dict keeps insertion order: the most recently used last
    while len(store) > limit:
        del store[next(iter(store))]
    return value
