"""Waiting in tests for what happens in the background, with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from schema.ratelimit import WINDOW_SECONDS


async def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Returns once `condition()` holds; TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def away_from_a_window_edge(margin: float = 5.0) -> None:
    """Rate-limit counts restart with each window: a burst must not straddle two."""
    into = time.time() % WINDOW_SECONDS
    if into > WINDOW_SECONDS - margin:
        await asyncio.sleep(WINDOW_SECONDS - into + 0.05)
