"""What the simulator records and its sync points (simulator.records)."""

from __future__ import annotations

import asyncio

import pytest

from simulator import Records, Simulator
from simulator.records import ClientRecord, CommandRecord, LoginRecord

from .conftest import Connect
from .plain_client import PlainClient

HIDDEN = "hunter2"


def records(connected: list[ClientRecord] | None = None) -> Records:
    return Records("thermostat", lambda: list(connected or []))


def test_a_client_has_ids_counting_from_one_and_its_own_lists() -> None:
    log = records()
    first = log.new_client("tls", "127.0.0.1:1", "TLSv1.2", b"cert")
    second = log.new_client("pty", "/dev/pts/9", None, None)
    assert (first.client_id, second.client_id) == (1, 2)
    assert log.connections == 2
    login = LoginRecord(2, "key", "dev", "type", accepted=True, pairing=False)
    log.login(second, login)
    command = CommandRecord(2, "UpdateFanMode", {"fan_mode": "2"}, applied=True)
    log.command(second, command)
    log.heartbeat(second)
    log.malformed(second, b"{")
    assert log.logins == second.logins == [login]
    assert log.commands == second.commands == [command]
    assert (log.heartbeats, second.heartbeats, first.heartbeats) == (1, 1, 0)
    assert (log.malformed_received, second.malformed) == (1, [b"{"])
    assert first.logins == first.commands == first.malformed == []


def test_keys_are_recorded_but_never_shown_in_a_repr() -> None:
    login = LoginRecord(1, HIDDEN, "dev", "type", accepted=False, pairing=False)
    assert login.secret_key is HIDDEN
    assert HIDDEN not in repr(login)


async def test_a_wait_ends_when_a_change_satisfies_it() -> None:
    log = records()
    waiting = asyncio.create_task(log.wait_for_heartbeats(2))
    client = log.new_client("tls", "peer", None, None)
    for _ in range(2):
        await asyncio.sleep(0)
        assert not waiting.done()
        log.heartbeat(client)
        log.changed()
    assert await waiting == 2
    # Already true: no waiting at all.
    assert await log.wait_for_heartbeats(1) == 2


async def test_waiting_for_clients_counts_the_connected_ones_now() -> None:
    now: list[ClientRecord] = []
    log = records(now)
    client = log.new_client("tls", "peer", None, None)
    now.append(client)
    assert await log.wait_for_clients(1) == [client]
    log.wait_timeout = 0.01
    with pytest.raises(TimeoutError, match="1 connected clients \\(logged_in=True\\)"):
        await log.wait_for_clients(1, logged_in=True)


async def test_waits_give_up_with_a_clear_message(thermostat: Simulator) -> None:
    thermostat.wait_timeout = 0.01
    with pytest.raises(
        TimeoutError, match="thermostat: gave up waiting for command UpdateFanMode #1"
    ):
        await thermostat.wait_for_command("UpdateFanMode")


async def test_a_failing_predicate_fails_the_wait(thermostat: Simulator, connect: Connect) -> None:
    def broken() -> int | None:
        if thermostat.logins:
            msg = "predicate broke"
            raise LookupError(msg)
        return None

    waiting = asyncio.create_task(thermostat.wait_until(broken, "a broken predicate"))
    client: PlainClient = await connect(thermostat)
    await client.login("test-key")
    with pytest.raises(LookupError, match="predicate broke"):
        await waiting
