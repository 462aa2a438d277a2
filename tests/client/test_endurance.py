"""Many connect/drop cycles leave nothing behind: tasks, timers, sockets and link objects.

scripts/soak runs the same cycles a thousand times and prints the figures, memory included.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from homeassistant.util.async_ import get_scheduled_timer_handles

from custom_components.steamloop.client import LinkState, Session, Supervisor
from custom_components.steamloop.client.transport import Link
from simulator import Malformed, Simulator

from .conftest import Clock, RecordingTransport, relogged

CYCLES = 150  # 50 of each kind of drop; scripts/soak runs a thousand

pytestmark = pytest.mark.timeout(120)


def open_fds() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


def live_timers() -> int:
    return sum(
        not handle.cancelled() for handle in get_scheduled_timer_handles(asyncio.get_running_loop())
    )


def live(kind: type) -> int:
    gc.collect()
    return sum(isinstance(obj, kind) for obj in gc.get_objects())


async def test_connect_drop_cycles_leak_nothing(
    make_supervisor: Callable[..., Supervisor],
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
) -> None:
    """Close, reset and a framing error in turn, CYCLES times; every count ends where it began."""
    supervisor = make_supervisor()
    await clock.until(lambda: supervisor.link_state is LinkState.READY, limit=15)
    state, zone = supervisor.state, supervisor.state.zones["1"]
    transport.links.clear()  # the recorder's own references are not the client's
    before = (len(asyncio.all_tasks()), open_fds(), live_timers(), live(Session), live(Link))

    drops = (
        thermostat.close_clients,
        thermostat.reset_clients,
        lambda: thermostat.send_malformed(Malformed.OVERSIZED),
    )
    for cycle in range(CYCLES):
        drops[cycle % len(drops)]()
        await clock.until(relogged(thermostat, supervisor, cycle + 2), limit=15, step=0.5)
    await clock.settle()
    transport.links.clear()
    after = (len(asyncio.all_tasks()), open_fds(), live_timers(), live(Session), live(Link))

    assert after == before
    assert before[3:] == (1, 1)
    assert supervisor.stats.connects == CYCLES + 1
    assert supervisor.stats.disconnects == CYCLES
    assert supervisor.state is state
    assert state.zones["1"] is zone
