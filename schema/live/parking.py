"""Who waits for which shared result (schema/live/direct.py): per live entry
and result key, the subscriber computing it (a claim) and the feeds parked
until it is known. Kept on the entry's GraphQL object, as its results are
(schema/live/shared.py), so it goes when the entry does."""

from __future__ import annotations

from typing import Any

# Attribute of a shared event object: per result key, the feeds parked until
# that result is known; a key present means one subscriber is computing it.
PARKED = "_passerelle_parked"
ResultKey = tuple[int, str]

# In PARKED instead of a list of feeds (and never appended to): that result
# will not be shared (it had errors, or its execution failed), every subscriber
# computes its own, as before.
NOT_SHARED: list[Any] = []


def park(obj: object, key: ResultKey, feed: Any) -> bool:
    """Parks `feed` until the result for `key` is known, if a subscriber has
    claimed computing it (True); False: no one has, or it will not be shared."""
    waiting = getattr(obj, PARKED).get(key)
    if waiting is None or waiting is NOT_SHARED:
        return False
    waiting.append(feed)
    return True


def claim(obj: object, key: ResultKey) -> bool:
    """Records that a subscriber will compute the result for `key` (others may
    park on it); False if one already has, or if it will not be shared."""
    parked: dict[ResultKey, list[Any]] = getattr(obj, PARKED)
    if key in parked:
        return False
    parked[key] = []
    return True


def release(obj: object, key: ResultKey, *, shared: bool = True) -> None:
    """The result for `key` is known, or its computing subscriber went away
    (`shared`), or it will not be shared: parked feeds resume."""
    parked: dict[ResultKey, list[Any]] | None = getattr(obj, PARKED, None)
    if parked is None or parked.get(key) is NOT_SHARED:
        return  # the mark stays: a later release (its claimer settling) must not lift it
    waiting = parked.pop(key, None)
    if not shared:
        parked[key] = NOT_SHARED
    for feed in waiting or ():
        feed.resume()
