"""The Supervisor facade: the parts wired together, and waiting for READY."""

from __future__ import annotations

import pytest

from custom_components.steamloop.client import (
    ConnectError,
)
from simulator import Simulator

from .conftest import (
    Clock,
    MakeSupervisor,
    is_ready,
    start,
)


async def test_ready_with_one_merged_change(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Login, burst, READY: one Change with every zone, then availability True, once."""
    supervisor, seen = await start(make_supervisor, clock)

    assert supervisor.available
    assert seen.availability == [(True, None)]
    assert len(seen.changes) == 1
    assert seen.changes[0].added == {"1", "2"}
    assert set(supervisor.state.zones) == {"1", "2"}
    zone = supervisor.state.zones["1"]
    assert zone.heat_setpoint is not None
    assert zone.cool_setpoint is not None
    assert supervisor.state.supported_modes
    assert supervisor.fingerprint == thermostat.fingerprint
    assert supervisor.stats.connects == 1
    assert supervisor.stats.connected_since is not None
    assert supervisor.last_error is None
    assert len(thermostat.logins) == 1
    assert thermostat.clients[0].tls_version == "TLSv1.2"


async def test_wait_ready_times_out_with_the_last_failure(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """wait_ready raises ConnectError chained to why the attempts fail."""
    await thermostat.refuse()
    supervisor = make_supervisor()

    with pytest.raises(ConnectError) as caught:
        await clock.wait(supervisor.wait_ready(5))
    assert "not ready within 5 s" in str(caught.value)
    assert isinstance(caught.value.__cause__, ConnectError)
    assert "Connection refused" in str(caught.value.__cause__)

    await thermostat.accept()
    await clock.wait(supervisor.wait_ready(15))
    await supervisor.wait_ready(0)


async def test_wait_ready_on_the_first_failure_raises_it_and_keeps_trying(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A refused first attempt ends the wait at once; the supervisor still connects later."""
    await thermostat.refuse()
    supervisor = make_supervisor()
    with pytest.raises(ConnectError):
        await clock.wait(supervisor.wait_ready(20, first_failure=True), limit=1)
    # Asked again after that failure: it is already known.
    with pytest.raises(ConnectError):
        await supervisor.wait_ready(20, first_failure=True)
    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)
