"""What the simulator records for tests, and the sync points that wait on it.

The protocol handling (``simulator.protocol``) and the listener (``simulator.server``) append to one
``Records`` and call ``changed()``; tests read the records and await the ``wait_for_*`` sync points.
Records only observe: nothing here changes how the thermostat behaves. Keys are recorded for tests
(``repr`` hides them) but never logged.

Every awaitable ends after ``wait_timeout`` seconds (default 10) with a TimeoutError that says what
was missing; set it to None while firing virtual time past it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from .wire import Fields

DEFAULT_WAIT = 10.0


@dataclass(slots=True)
class LoginRecord:
    """One Login request and the thermostat's verdict."""

    client_id: int
    secret_key: str = field(repr=False)
    device_id: str
    device_type: str
    accepted: bool
    pairing: bool


@dataclass(slots=True)
class CommandRecord:
    """One request other than Login; applied is False when the thermostat ignored it."""

    client_id: int
    name: str
    fields: Fields
    applied: bool
    reason: str | None = None


@dataclass(slots=True)
class ClientRecord:
    """Everything one connection did."""

    client_id: int
    kind: str
    peer: str
    tls_version: str | None = None
    client_certificate: bytes | None = field(default=None, repr=False)
    connected: bool = True
    logged_in: bool = False
    heartbeats: int = 0
    frames_received: int = 0
    frames_sent: int = 0
    logins: list[LoginRecord] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    malformed: list[bytes] = field(default_factory=list, repr=False)


class Records:
    """Everything one thermostat saw, in order, and the waiters on it.

    clients             every connection's ClientRecord (TLS completed, or pty opened)
    logins / commands   every Login / other request, across clients
    paired_keys         the keys clients acknowledged while pairing
    heartbeats, handshake_failures, tls13_rejected, heartbeat_timeouts, malformed_received
                        counts across clients
    """

    def __init__(self, name: str, connected: Callable[[], list[ClientRecord]]) -> None:
        """Start empty; `connected` returns the records of the clients connected now."""
        self.name = name
        self._connected = connected
        self.wait_timeout: float | None = DEFAULT_WAIT
        self.clients: list[ClientRecord] = []
        self.logins: list[LoginRecord] = []
        self.commands: list[CommandRecord] = []
        self.paired_keys: list[str] = []
        self.heartbeats = 0
        self.handshake_failures = 0
        self.tls13_rejected = 0
        self.heartbeat_timeouts = 0
        self.malformed_received = 0
        self._waiters: list[tuple[Callable[[], object], asyncio.Future[Any]]] = []

    @property
    def connected(self) -> list[ClientRecord]:
        """Return the clients connected now."""
        return self._connected()

    @property
    def connections(self) -> int:
        """Return how many connections were established (TLS completed, or pty opened)."""
        return len(self.clients)

    def new_client(
        self, kind: str, peer: str, tls_version: str | None, certificate: bytes | None
    ) -> ClientRecord:
        """Record a new connection and return its record (ids count from 1)."""
        record = ClientRecord(
            client_id=len(self.clients) + 1,
            kind=kind,
            peer=peer,
            tls_version=tls_version,
            client_certificate=certificate,
        )
        self.clients.append(record)
        return record

    def login(self, client: ClientRecord, login: LoginRecord) -> None:
        """Record a Login request on the thermostat's list and the client's."""
        self.logins.append(login)
        client.logins.append(login)

    def command(self, client: ClientRecord, command: CommandRecord) -> None:
        """Record a request other than Login on the thermostat's list and the client's."""
        self.commands.append(command)
        client.commands.append(command)

    def heartbeat(self, client: ClientRecord) -> None:
        """Count a heartbeat for the client and the thermostat."""
        client.heartbeats += 1
        self.heartbeats += 1

    def malformed(self, client: ClientRecord, frame: bytes) -> None:
        """Keep a frame the thermostat could not read."""
        self.malformed_received += 1
        client.malformed.append(frame)

    def changed(self) -> None:
        """Re-check every waiter's predicate: something was recorded."""
        for predicate, future in list(self._waiters):
            if future.done():
                continue
            try:
                result = predicate()
            except Exception as err:  # noqa: BLE001 - a test's predicate failing belongs to the test
                future.set_exception(err)
            else:
                if result is not None:
                    future.set_result(result)

    async def wait_until[T](
        self, predicate: Callable[[], T | None], what: str = "a condition"
    ) -> T:
        """Wait until predicate returns something other than None; return it."""
        result = predicate()
        if result is not None:
            return result
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        entry: tuple[Callable[[], object], asyncio.Future[Any]] = (predicate, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(self.wait_timeout):
                await future
        except TimeoutError:
            msg = f"{self.name}: gave up waiting for {what} after {self.wait_timeout} s"
            raise TimeoutError(msg) from None
        finally:
            self._waiters.remove(entry)
        return cast("T", future.result())

    async def wait_for_logins(
        self, n: int = 1, *, accepted: bool | None = True
    ) -> list[LoginRecord]:
        """Wait for n logins (accepted, rejected, or either with None); return them."""

        def matching() -> list[LoginRecord] | None:
            found = [r for r in self.logins if accepted is None or r.accepted == accepted]
            return found if len(found) >= n else None

        return await self.wait_until(matching, f"{n} logins (accepted={accepted})")

    async def wait_for_command(self, name: str, n: int = 1) -> CommandRecord:
        """Wait for the n-th request with this name; return it."""

        def matching() -> CommandRecord | None:
            found = [c for c in self.commands if c.name == name]
            return found[n - 1] if len(found) >= n else None

        return await self.wait_until(matching, f"command {name} #{n}")

    async def wait_for_clients(self, n: int, *, logged_in: bool = False) -> list[ClientRecord]:
        """Wait until exactly n clients are connected (and logged in, if asked); return them."""

        def matching() -> list[ClientRecord] | None:
            found = [r for r in self.connected if r.logged_in or not logged_in]
            return found if len(found) == n else None

        return await self.wait_until(matching, f"{n} connected clients (logged_in={logged_in})")

    async def wait_for_connections(self, n: int) -> list[ClientRecord]:
        """Wait until n connections have been established in total; return their records."""
        return await self.wait_until(
            lambda: list(self.clients) if len(self.clients) >= n else None, f"{n} connections"
        )

    async def wait_for_heartbeats(self, n: int) -> int:
        """Wait until n heartbeats have arrived in total."""
        return await self.wait_until(
            lambda: self.heartbeats if self.heartbeats >= n else None, f"{n} heartbeats"
        )

    async def wait_for_pairing(self, n: int = 1) -> str:
        """Wait until n pairings were acknowledged; return the latest key."""
        return await self.wait_until(
            lambda: self.paired_keys[-1] if len(self.paired_keys) >= n else None, f"{n} pairings"
        )
