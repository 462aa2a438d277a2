"""The command API (control.py): nothing reaches the wire unless READY; what is sent is planned."""

from __future__ import annotations

import pytest

from custom_components.steamloop.client import (
    ConnectError,
    FanMode,
    HoldType,
    InvalidCommandError,
    LinkState,
    NotReadyError,
    ZoneMode,
)
from simulator import Simulator

from .conftest import (
    Clock,
    MakeSupervisor,
    RecordingTransport,
    is_ready,
    start,
)

# --- only while READY -----------------------------------------------------------------------------


async def test_no_command_reaches_the_wire_unless_ready(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """While not READY every command raises NotReadyError and nothing is sent."""
    await thermostat.refuse()
    supervisor = make_supervisor()
    await clock.advance(3)
    assert supervisor.link_state is not LinkState.READY

    commands = [
        supervisor.set_temperature("1", heat=70),
        supervisor.set_hold_type("1", HoldType.MANUAL),
        supervisor.set_zone_mode("1", ZoneMode.HEAT),
        supervisor.set_fan_mode(FanMode.AUTO),
        supervisor.set_emergency_heat(on=True),
    ]
    for command in commands:
        with pytest.raises(NotReadyError):
            await command

    await thermostat.accept()
    await clock.until(is_ready(supervisor), limit=15)
    await clock.settle()
    assert thermostat.commands == []


async def test_no_command_while_a_reconnect_resyncs(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Between the drop and the end of the re-sync, hold changes are refused, not invented."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.reply_delay = 5.0
    thermostat.close_clients()
    await clock.until(lambda: supervisor.link_state is LinkState.CONNECTING, limit=2)

    with pytest.raises(NotReadyError):
        await supervisor.set_hold_type("1", HoldType.MANUAL)
    thermostat.reply_delay = 0.0
    await clock.until(is_ready(supervisor), limit=15)
    assert thermostat.commands == []


async def test_command_on_a_link_closed_under_it_raises_connect_error(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    transport: RecordingTransport,
) -> None:
    """A write onto a link that closed after the READY check is a ConnectError, then a reconnect."""
    supervisor, _ = await start(make_supervisor, clock)
    transport.links[-1].writer.transport.abort()

    with pytest.raises(ConnectError):
        await supervisor.set_fan_mode(FanMode.CIRCULATE)

    await clock.until(lambda: len(thermostat.logins) == 2 and is_ready(supervisor)(), limit=15)
    assert thermostat.commands == []


# --- what is sent ---------------------------------------------------------------------------------


async def test_set_temperature_applies_the_deadband(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """The side the caller did not set moves to keep the deadband; the echo updates the state.

    A zone that follows its schedule is held until its next period, not for good."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()

    await supervisor.set_temperature("1", heat=75)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.fields == {
        "zone_id": "1",
        "heat_setpoint": "75",
        "cool_setpoint": "78",
        "deadband": "3",
        "hold_type": HoldType.HOLD.value,
    }
    await clock.settle()
    assert supervisor.state.zones["1"].heat_setpoint == 75
    assert supervisor.state.zones["1"].cool_setpoint == 78

    await supervisor.set_temperature("1", cool=70, hold_type=HoldType.HOLD)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))
    assert command.fields["heat_setpoint"] == "67"
    assert command.fields["cool_setpoint"] == "70"
    assert command.fields["hold_type"] == HoldType.HOLD.value

    await supervisor.set_temperature("1", heat=64.5, cool=71)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 3))
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == ("65", "71")


@pytest.mark.parametrize(
    ("request_", "sent"),
    [
        ({"heat": 72.4}, ("72", "76")),  # whole degrees, as the card shows them
        ({"cool": 72.5}, ("68", "73")),
        ({"heat": 61.1, "cool": 64.1}, ("61", "64")),  # exactly the deadband apart
        ({"heat": 61, "cool": 64}, ("61", "64")),
        ({"heat": 96}, ("96", "99")),  # the moved side at the top of the range
    ],
)
async def test_setpoints_are_sent_whole_and_exact(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    request_: dict[str, float],
    sent: tuple[str, str],
) -> None:
    """What is sent is what the user sees: whole degrees, the deadband checked exactly."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()
    await supervisor.set_temperature("1", **request_)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == sent


@pytest.mark.parametrize("request_", [{"heat": 97}, {"cool": 42}, {"heat": 60.9, "cool": 63.4}])
async def test_setpoints_range_checked_after_the_deadband(
    make_supervisor: MakeSupervisor,
    clock: Clock,
    thermostat: Simulator,
    request_: dict[str, float],
) -> None:
    """Heat 97 would move cool to 100, cool 42 heat to 39: refused, nothing sent."""
    supervisor, _ = await start(make_supervisor, clock)
    thermostat.set_setpoints("1", heat=68, cool=76, deadband=3)
    await clock.settle()
    with pytest.raises(InvalidCommandError):
        await supervisor.set_temperature("1", **request_)
    await clock.settle()
    assert thermostat.commands == []


async def test_deadband_defaults_to_three_until_reported(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """A zone that never reports a deadband can still be set: 3 is assumed and sent, as upstream
    does; once reported, the thermostat's own deadband is used."""
    thermostat.plant.zones["1"].deadband = ""
    supervisor, _ = await start(make_supervisor, clock)
    assert supervisor.state.zones["1"].deadband is None

    await supervisor.set_temperature("1", heat=75)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.applied
    assert (command.fields["heat_setpoint"], command.fields["cool_setpoint"]) == ("75", "78")
    assert command.fields["deadband"] == "3"

    thermostat.set_setpoints("1", deadband=2)
    await clock.settle()
    await supervisor.set_temperature("1", cool=70)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))
    assert (command.fields["heat_setpoint"], command.fields["deadband"]) == ("68", "2")


async def test_invalid_commands_send_nothing(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Unknown zones, unsupported modes, bad values and unknown setpoints: nothing is invented."""
    thermostat.set_supported_modes("0,3")
    thermostat.set_setpoints("2", heat="", cool="")
    supervisor, _ = await start(make_supervisor, clock)

    bad = [
        supervisor.set_temperature("9", heat=70),
        supervisor.set_temperature("1"),
        supervisor.set_temperature("1", heat=70, cool=71),
        supervisor.set_temperature("1", heat=float("nan")),
        supervisor.set_temperature("1", cool=250),
        supervisor.set_temperature("2", heat=70),
        supervisor.set_hold_type("2", HoldType.MANUAL),
        supervisor.set_hold_type("1", "7"),  # type: ignore[arg-type]
        supervisor.set_zone_mode("1", ZoneMode.COOL),
        supervisor.set_zone_mode("1", "9"),  # type: ignore[arg-type]
        supervisor.set_zone_mode("9", ZoneMode.HEAT),
        supervisor.set_fan_mode("0"),  # type: ignore[arg-type]
    ]
    for command in bad:
        with pytest.raises(InvalidCommandError):
            await command
    await clock.settle()
    assert thermostat.commands == []


async def test_hold_mode_fan_and_emergency_heat_commands(
    make_supervisor: MakeSupervisor, clock: Clock, thermostat: Simulator
) -> None:
    """Each command puts its request on the wire; the thermostat's events update the state."""
    supervisor, _ = await start(make_supervisor, clock)
    zone = supervisor.state.zones["1"]
    heat, cool = zone.heat_setpoint, zone.cool_setpoint

    await supervisor.set_hold_type("1", HoldType.HOLD)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint"))
    assert command.fields["hold_type"] == HoldType.HOLD.value
    assert float(command.fields["heat_setpoint"]) == heat
    assert float(command.fields["cool_setpoint"]) == cool

    await supervisor.set_hold_type("1", HoldType.SCHEDULE)
    await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 2))

    await supervisor.set_temperature("1", hold_type=HoldType.MANUAL)
    command = await clock.wait(thermostat.wait_for_command("UpdateTemperatureSetpoint", 3))
    assert command.fields["hold_type"] == HoldType.MANUAL.value

    await supervisor.set_zone_mode("1", ZoneMode.HEAT)
    command = await clock.wait(thermostat.wait_for_command("UpdateZoneMode"))
    assert command.fields == {"zone_id": "1", "zone_mode": ZoneMode.HEAT.value}

    await supervisor.set_fan_mode(FanMode.CIRCULATE)
    await clock.wait(thermostat.wait_for_command("UpdateFanMode"))

    await supervisor.set_emergency_heat(on=True)
    command = await clock.wait(thermostat.wait_for_command("UpdateEmergencyHeat"))
    assert command.fields == {"emergency_heat": "1"}
    await supervisor.set_emergency_heat(on=False)
    command = await clock.wait(thermostat.wait_for_command("UpdateEmergencyHeat", 2))
    assert command.fields == {"emergency_heat": "2"}

    await clock.settle()
    assert all(c.applied for c in thermostat.commands)
    assert zone.hold_type is HoldType.MANUAL
    assert zone.mode is ZoneMode.HEAT
    assert supervisor.state.fan_mode is FanMode.CIRCULATE
    assert supervisor.stats.frames_sent == 1 + len(thermostat.commands)
