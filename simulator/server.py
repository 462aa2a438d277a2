"""A simulated thermostat: the local protocol over mutual TLS (and a pty), with scripted faults.

One ``Simulator`` is one thermostat on one port; a process may run many. Everything below is a
single line in a test; nothing sleeps on the wall clock, so tests drive every timer (heartbeat
watchdog, reply delays, TLS timeouts) with virtual time.

A ``Simulator`` composes four parts, each in its own module:
    plant      simulator.plant     the thermostat's state (zones, modes, system values)
    faults     simulator.faults    every fault switch, documented there; each is also an attribute
                                   of the Simulator (``sim.reply_delay = 2.0`` sets
                                   ``sim.faults.reply_delay``)
    protocol   simulator.protocol  login, pairing, requests, events: what each client frame does
    records    simulator.records   what happened, for tests, and the ``wait_for_*`` sync points;
                                   its lists and counts are attributes of the Simulator too
This module owns the rest: listening, admitting TLS clients (and the pty), the plant's setters
that push their event, and the fault actions that act on the connected clients at once.

Plant (each change is pushed as its event to every logged-in client):
    set_indoor_temperature(zone_id, 71.5)      IndoorTemperatureUpdated ("71.50")
    set_setpoints(zone_id, heat=66, hold_type=1)  TemperatureSetpointUpdated with only those fields
    set_zone_mode(zone_id, 3) / set_zone_name(zone_id, "Den")
    set_supported_modes("0,2,3") / set_fan_mode(2) / set_emergency_heat(on=True)
    set_humidity(40) / set_cooling(2) / set_heating(0)        system-wide values
    add_zone() -> ZoneState                    announced live (ZoneAdded + the zone's events)
    remove_zone(zone_id, drop="close")         gone from the next burst; optionally drops clients
    A number is formatted as the thermostat reports it; a string is sent verbatim ("", "abc").

Keys and pairing:
    set_secret_key(key)                        the accepted key from now on
    revoke_key(new_key=None, how="close")      change the key and drop every client: the next
                                               login is rejected
    start_pairing(key=None) / stop_pairing()   an empty-key login gets LoginResponse "1", then
                                               Request.SetSecretKey; the key becomes the accepted
                                               one (replacing the old) once the client answers
                                               Response.SecretKeyUpdated, and pairing mode ends.
                                               A pairing connection is not logged in: it may send
                                               a Login with the new key next. Out of pairing mode
                                               an empty-key login is rejected like a wrong key.

Connection faults (actions; the switches are in simulator.faults):
    await refuse() / await accept()            close the listening socket (connects get
                                               ECONNREFUSED) / listen again on the same port
    close_clients() / reset_clients()          FIN (after TLS close_notify) / RST (SO_LINGER 0)
                                               to every client, pty included
    go_silent() / wake()                       stop reading and answering, sockets left open
                                               (reading paused, output discarded, new clients
                                               complete TLS but get no answer) / carry on
    drop_at_next_heartbeat(how="reset")        drop the next client whose heartbeat arrives,
                                               exactly then; one shot
    enforce_heartbeats(timeout=60.0)           drop (FIN) a client whose last heartbeat (or
                                               connect) is that many seconds ago; None: off
    flap(times, how="close")                   drop each of the next `times` clients right after
                                               its login burst has been written
    await use_server_certificate(cert=None)    new connections get another certificate (pinning)

Frames (raw; the plant is not changed):
    send_malformed(Malformed.X, bytewise=False)   to every client; see wire.Malformed: invalid
                                                  JSON, {"Event": 5}, a non-object body, number
                                                  values, a missing field, an invalid value, an
                                                  unknown event, non-UTF-8, 1 MiB unterminated
    send_event(name, fields, prefix=b"", bytewise=False)  to logged-in clients; prefix puts bytes
                                                  before the "{"
    send_raw(data, bytewise=False)               any bytes to every client

Records and sync points (see simulator.records):
    clients / connected / logins / commands / heartbeats / paired_keys / handshake_failures /
    tls13_rejected / heartbeat_timeouts / malformed_received / wait_timeout
    await wait_for_logins(n, accepted=True) / wait_for_command(name, n) /
    wait_for_clients(n, logged_in=False) / wait_for_connections(n) / wait_for_heartbeats(n) /
    wait_for_pairing() / wait_until(predicate) / flush()

The pty (``await open_pty()``) carries the same protocol without TLS; faults that concern TLS or
the listening socket do not apply to it. Keys are recorded for tests but never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Literal, Self, cast, overload

from .faults import DropHow, Faults, RejectWith
from .links import PtyLink, TcpLink, TlsProtocol, offers_tls13, peek_client_hello
from .pki import ServerCertificate, TestPKI, server_context
from .plant import (
    EMERGENCY_HEAT_ON,
    Plant,
    Value,
    ZoneState,
    code,
    default_zone,
    number,
    temperature,
)
from .protocol import ClientSession, Protocol, generate_key
from .records import ClientRecord, CommandRecord, LoginRecord, Records
from .wire import Fields, Malformed

__all__ = [
    "ClientCertMode",
    "ClientRecord",
    "CommandRecord",
    "DropHow",
    "LoginRecord",
    "RejectWith",
    "Simulator",
    "generate_key",
]

_LOGGER = logging.getLogger(__name__)

type ClientCertMode = Literal["strict", "open"]

HANDSHAKE_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0
BACKLOG = 128


class _Forward[T]:
    """A Simulator attribute that lives on one of its parts: ``sim.x`` is ``sim.<part>.x``."""

    def __init__(self, part: str) -> None:
        self._part = part
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> T | Self:
        if obj is None:
            return self
        return cast("T", getattr(getattr(obj, self._part), self._name))

    def __set__(self, obj: object, value: T) -> None:
        setattr(getattr(obj, self._part), self._name, value)


class Simulator:
    """One simulated thermostat: its plant, fault switches, protocol handling and records."""

    # The fault switches, documented in simulator.faults.Faults.
    reject_with = _Forward[RejectWith]("faults")
    login_response = _Forward[Fields | None]("faults")
    busy = _Forward[str | None]("faults")
    pairing_delay = _Forward[float]("faults")
    ignore_goodbye = _Forward[bool]("faults")
    heartbeat_timeout = _Forward[float | None]("faults")
    reply_delay = _Forward[float]("faults")
    echo_delay = _Forward[float]("faults")
    echo = _Forward[bool]("faults")
    trickle = _Forward[bool]("faults")
    silent = _Forward[bool]("faults")
    reject_tls13 = _Forward[bool]("faults")
    burst_pause = _Forward[tuple[int, float] | None]("faults")
    burst_system_after = _Forward[int | None]("faults")
    burst_extras = _Forward[list[bytes]]("faults")
    replay = _Forward[list[bytes] | None]("faults")
    emergency_heat_off = _Forward[str]("faults")
    # Pairing mode and the key it hands out, held by the protocol.
    pairing = _Forward[bool]("protocol")
    pairing_key = _Forward[str]("protocol")
    # The records, documented in simulator.records.Records.
    wait_timeout = _Forward[float | None]("records")
    clients = _Forward[list[ClientRecord]]("records")
    logins = _Forward[list[LoginRecord]]("records")
    commands = _Forward[list[CommandRecord]]("records")
    paired_keys = _Forward[list[str]]("records")
    heartbeats = _Forward[int]("records")
    handshake_failures = _Forward[int]("records")
    tls13_rejected = _Forward[int]("records")
    heartbeat_timeouts = _Forward[int]("records")
    malformed_received = _Forward[int]("records")

    def __init__(  # noqa: PLR0913 - a test double's knobs, all keyword-only
        self,
        *,
        zones: int = 2,
        secret_key: str | None = None,
        pairing: bool = False,
        pairing_key: str | None = None,
        pki: TestPKI | None = None,
        mode: ClientCertMode = "strict",
        reject_with: RejectWith = "status",
        heartbeat_timeout: float | None = None,
        name: str = "thermostat",
    ) -> None:
        """Describe the thermostat; nothing listens until start()."""
        self.name = name
        self.pki = pki if pki is not None else TestPKI()
        self.mode: ClientCertMode = mode
        self.plant = Plant.with_zones(zones)
        self.faults = Faults(
            reject_with=reject_with,
            heartbeat_timeout=heartbeat_timeout,
            emergency_heat_off=self.plant.emergency_heat,
        )
        self.records = Records(name, lambda: [s.record for s in self.protocol.sessions])
        self.protocol = Protocol(
            name=name,
            plant=self.plant,
            faults=self.faults,
            records=self.records,
            secret_key=secret_key if secret_key is not None else generate_key(),
            pairing=pairing,
            pairing_key=pairing_key if pairing_key is not None else generate_key(),
        )
        # listening and TLS
        self.host = "127.0.0.1"
        self._port = 0
        self._certificate = self.pki.server
        self.client_ca_pem = self.pki.ca_pem
        self._context: ssl.SSLContext | None = None
        self._listener: socket.socket | None = None
        self._accept_task: asyncio.Task[None] | None = None
        self._admissions: set[asyncio.Task[None]] = set()
        self._protocols: set[TlsProtocol] = set()
        self._started = False

    # lifecycle

    @property
    def port(self) -> int:
        """Return the TCP port (known after start)."""
        return self._port

    @property
    def fingerprint(self) -> str:
        """Return the SHA-256 fingerprint of the certificate new connections get."""
        return self._certificate.fingerprint

    @property
    def listening(self) -> bool:
        """Return whether the listening socket is open."""
        return self._listener is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Build the TLS context and start listening."""
        if self._started:
            msg = "simulator already started"
            raise RuntimeError(msg)
        self._started = True
        self.host, self._port = host, port
        self._context = await self._build_context(self._certificate)
        await self.accept()
        _LOGGER.info("%s listening on %s:%s (%s)", self.name, host, self._port, self.mode)

    async def stop(self) -> None:
        """Close everything: listener, clients, ptys, tasks and timers. Idempotent."""
        await self.refuse()
        for task in self._admissions:
            task.cancel()
        await asyncio.gather(*self._admissions, return_exceptions=True)
        for session in list(self.protocol.sessions):
            session.disarm_watchdog()
            if isinstance(session.link, TcpLink):
                session.link.abort()
            else:
                session.link.close()
        await asyncio.gather(*(p.gone for p in list(self._protocols)), return_exceptions=True)
        writers = list(self.protocol.writers)
        for writer in writers:
            writer.cancel()
        await asyncio.gather(*writers, return_exceptions=True)

    async def __aenter__(self) -> Self:
        """Start on 127.0.0.1 and a free port."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    async def _build_context(self, certificate: ServerCertificate) -> ssl.SSLContext:
        ca = self.client_ca_pem if self.mode == "strict" else None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, server_context, certificate, ca)

    async def use_server_certificate(
        self, certificate: ServerCertificate | None = None
    ) -> ServerCertificate:
        """Present another certificate (a fresh one from the PKI by default) to new connections."""
        certificate = certificate or self.pki.issue_server_certificate()
        self._context = await self._build_context(certificate)
        self._certificate = certificate
        return certificate

    async def accept(self) -> None:
        """Listen (again) on the same host and port."""
        if self._listener is not None:
            return
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            self.host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)  # noqa: FBT003 - the stdlib signature
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self._listener = sock
        self._accept_task = loop.create_task(self._accept_loop(sock), name=f"{self.name} accept")

    async def refuse(self) -> None:
        """Close the listening socket: new connects get ECONNREFUSED; clients stay."""
        task, self._accept_task = self._accept_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, _ = await loop.sock_accept(listener)
            except OSError as err:
                _LOGGER.warning("%s: accept failed: %s", self.name, err)
                return
            task = loop.create_task(self._admit(sock), name=f"{self.name} handshake")
            self._admissions.add(task)
            task.add_done_callback(self._admissions.discard)

    async def _admit(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        context = self._context
        assert context is not None  # noqa: S101 - set by start() before accepting
        try:
            async with asyncio.timeout(HANDSHAKE_TIMEOUT):
                hello = await peek_client_hello(sock) if self.faults.reject_tls13 else b""
                if offers_tls13(hello):
                    _LOGGER.info("%s: dropping a TLS 1.3 ClientHello", self.name)
                    self.records.tls13_rejected += 1
                    # Consume what was peeked so the close is a FIN (EOF), not an RST.
                    sock.recv(len(hello))
                    sock.close()
                    self.records.changed()
                    return
                protocol = TlsProtocol(self._on_tls_made)
                await loop.connect_accepted_socket(
                    lambda: protocol,
                    sock,
                    ssl=context,
                    ssl_handshake_timeout=HANDSHAKE_TIMEOUT,
                    ssl_shutdown_timeout=SHUTDOWN_TIMEOUT,
                )
        except (OSError, TimeoutError) as err:
            _LOGGER.info("%s: TLS handshake failed: %r", self.name, err)
            self.records.handshake_failures += 1
            sock.close()
            self.records.changed()
            return
        except asyncio.CancelledError:
            sock.close()
            raise

    def _on_tls_made(self, protocol: TlsProtocol) -> ClientSession:
        link = protocol.link
        assert link is not None  # noqa: S101 - set by the protocol before it calls us
        # From here on connection_lost is certain, so stop() may wait for it.
        self._protocols.add(protocol)
        protocol.gone.add_done_callback(lambda _: self._protocols.discard(protocol))
        return self.protocol.open_session(link, link.tls_version, link.peer_certificate)

    async def open_pty(self) -> str:
        """Serve the protocol (no TLS) on a new pseudo-terminal; return its device path."""
        link = PtyLink()
        session = self.protocol.open_session(link, None, None)
        link.start(session)
        return link.path

    # plant

    def _zone(self, zone_id: str) -> ZoneState:
        try:
            return self.plant.zones[zone_id]
        except KeyError:
            msg = f"no zone {zone_id!r}; zones are {list(self.plant.zones)}"
            raise KeyError(msg) from None

    def set_indoor_temperature(self, zone_id: str, value: Value) -> None:
        """Change a zone's indoor temperature (°F)."""
        zone = self._zone(zone_id)
        zone.indoor_temperature = temperature(value)
        self.protocol.broadcast(
            "IndoorTemperatureUpdated",
            {"zone_id": zone_id, "indoor_temperature": zone.indoor_temperature},
        )

    def set_setpoints(
        self,
        zone_id: str,
        *,
        heat: Value | None = None,
        cool: Value | None = None,
        deadband: Value | None = None,
        hold_type: int | str | None = None,
    ) -> None:
        """Change some setpoint fields; the event carries only those (a partial update)."""
        zone = self._zone(zone_id)
        fields: Fields = {"zone_id": zone_id}
        if heat is not None:
            zone.heat_setpoint = fields["heat_setpoint"] = number(heat)
        if cool is not None:
            zone.cool_setpoint = fields["cool_setpoint"] = number(cool)
        if deadband is not None:
            zone.deadband = fields["deadband"] = number(deadband)
        if hold_type is not None:
            zone.hold_type = fields["hold_type"] = code(hold_type)
        self.protocol.broadcast("TemperatureSetpointUpdated", fields)

    def set_zone_mode(self, zone_id: str, mode: int | str) -> None:
        """Change a zone's mode (0 off, 1 auto, 2 cool, 3 heat)."""
        zone = self._zone(zone_id)
        zone.mode = code(mode)
        self.protocol.broadcast("ZoneModeUpdated", {"zone_id": zone_id, "zone_mode": zone.mode})

    def set_zone_name(self, zone_id: str, name: str) -> None:
        """Rename a zone."""
        zone = self._zone(zone_id)
        zone.name = name
        self.protocol.broadcast("ZoneNameUpdated", {"zone_id": zone_id, "zone_name": name})

    def set_supported_modes(self, modes: str | Iterable[int | str]) -> None:
        """Change the supported zone modes ("0,1,2,3" or an iterable)."""
        self.plant.supported_modes = (
            modes if isinstance(modes, str) else ",".join(code(m) for m in modes)
        )
        self.protocol.broadcast("SupportedZoneModesUpdated", {"modes": self.plant.supported_modes})

    def set_fan_mode(self, mode: int | str) -> None:
        """Change the fan mode (1 auto, 2 always on, 3 circulate)."""
        self.plant.fan_mode = code(mode)
        self.protocol.broadcast("FanModeUpdated", {"fan_mode": self.plant.fan_mode})

    def set_emergency_heat(self, *, on: bool) -> None:
        """Switch emergency heat; reported as "1", or emergency_heat_off when off."""
        self.plant.emergency_heat = EMERGENCY_HEAT_ON if on else self.faults.emergency_heat_off
        self.protocol.broadcast(
            "EmergencyHeatUpdated", {"emergency_heat": self.plant.emergency_heat}
        )

    def set_humidity(self, value: Value) -> None:
        """Change the indoor relative humidity (%)."""
        self.plant.relative_humidity = number(value)
        self.protocol.broadcast(
            "IndoorRelativeHumidityUpdated", {"relative_humidity": self.plant.relative_humidity}
        )

    def set_cooling(self, status: int | str) -> None:
        """Change the system cooling status (0 off, 1 idle, 2 running)."""
        self.plant.cooling_active = code(status)
        self.protocol.broadcast(
            "CoolingStatusUpdated", {"cooling_active": self.plant.cooling_active}
        )

    def set_heating(self, status: int | str) -> None:
        """Change the system heating status (0 off, 1 idle, 2 running)."""
        self.plant.heating_active = code(status)
        self.protocol.broadcast(
            "HeatingStatusUpdated", {"heating_active": self.plant.heating_active}
        )

    def add_zone(
        self, zone_id: str | None = None, *, name: str | None = None, announce: bool = True
    ) -> ZoneState:
        """Add a zone; with announce, logged-in clients get its ZoneAdded and state events now."""
        zid = zone_id or self.plant.next_zone_id()
        if zid in self.plant.zones:
            msg = f"zone {zid!r} exists"
            raise ValueError(msg)
        zone = default_zone(len(self.plant.zones) + 1, zid)
        if name is not None:
            zone.name = name
        self.plant.zones[zid] = zone
        if announce:
            for event_name, fields in zone.events():
                self.protocol.broadcast(event_name, fields)
        return zone

    def remove_zone(self, zone_id: str, *, drop: DropHow | None = None) -> None:
        """Remove a zone: the next burst lacks it (the protocol has no removal event)."""
        del self.plant.zones[self._zone(zone_id).zone_id]
        if drop is not None:
            self.protocol.drop_all(drop)

    # keys and pairing

    @property
    def secret_key(self) -> str:
        """Return the key a login must carry."""
        return self.protocol.secret_key

    def set_secret_key(self, key: str) -> None:
        """Accept this key from now on; connected clients stay."""
        self.protocol.secret_key = key

    def revoke_key(self, new_key: str | None = None, *, how: DropHow = "close") -> str:
        """Change the accepted key and drop every client; return the new key."""
        self.protocol.secret_key = new_key if new_key is not None else generate_key()
        self.protocol.drop_all(how)
        return self.protocol.secret_key

    def start_pairing(self, key: str | None = None) -> str:
        """Enter pairing mode; return the key it will hand out."""
        self.protocol.pairing = True
        if key is not None:
            self.protocol.pairing_key = key
        return self.protocol.pairing_key

    def stop_pairing(self) -> None:
        """Leave pairing mode: empty-key logins are rejected again."""
        self.protocol.pairing = False

    # connection faults (actions on the connected clients; the switches are self.faults)

    def close_clients(self) -> None:
        """Close every client in order (TLS close_notify and FIN)."""
        self.protocol.drop_all("close")

    def reset_clients(self) -> None:
        """Reset every client (RST)."""
        self.protocol.drop_all("reset")

    def go_silent(self) -> None:
        """Stop reading and answering; sockets stay open."""
        self.faults.silent = True
        self.protocol.pause_all()

    def wake(self) -> None:
        """Read and answer again, starting with what clients sent meanwhile."""
        self.faults.silent = False
        self.protocol.resume_all()

    def drop_at_next_heartbeat(self, how: DropHow = "reset") -> None:
        """Drop the next client whose heartbeat arrives, at that moment."""
        self.faults.drop_at_heartbeat = how

    def enforce_heartbeats(self, timeout: float | None = 60.0) -> None:
        """Drop clients that send no heartbeat for timeout seconds (None: never)."""
        self.faults.heartbeat_timeout = timeout
        self.protocol.rearm_watchdogs()

    def flap(self, times: int, how: DropHow = "close") -> None:
        """Drop each of the next `times` clients right after its login burst."""
        self.faults.flaps, self.faults.flap_how = times, how

    # frames (raw; the plant is not changed)

    def send_event(
        self, name: str, fields: Fields, *, prefix: bytes = b"", bytewise: bool = False
    ) -> None:
        """Send an event to logged-in clients without touching the plant."""
        self.protocol.send_event(name, fields, prefix=prefix, bytewise=bytewise)

    def send_raw(self, data: bytes, *, bytewise: bool = False) -> None:
        """Send arbitrary bytes to every client."""
        self.protocol.send_raw(data, bytewise=bytewise)

    def send_malformed(self, kind: Malformed, *, bytewise: bool = False) -> None:
        """Send one broken frame of the given kind to every client."""
        self.protocol.send_malformed(kind, bytewise=bytewise)

    async def flush(self) -> None:
        """Wait until every frame queued so far has been written."""
        await self.protocol.flush()

    # records and sync points (simulator.records)

    @property
    def connected(self) -> list[ClientRecord]:
        """Return the clients connected now."""
        return self.records.connected

    @property
    def connections(self) -> int:
        """Return how many connections were established (TLS completed, or pty opened)."""
        return self.records.connections

    async def wait_until[T](
        self, predicate: Callable[[], T | None], what: str = "a condition"
    ) -> T:
        """Wait until predicate returns something other than None; return it."""
        return await self.records.wait_until(predicate, what)

    async def wait_for_logins(
        self, n: int = 1, *, accepted: bool | None = True
    ) -> list[LoginRecord]:
        """Wait for n logins (accepted, rejected, or either with None); return them."""
        return await self.records.wait_for_logins(n, accepted=accepted)

    async def wait_for_command(self, name: str, n: int = 1) -> CommandRecord:
        """Wait for the n-th request with this name; return it."""
        return await self.records.wait_for_command(name, n)

    async def wait_for_clients(self, n: int, *, logged_in: bool = False) -> list[ClientRecord]:
        """Wait until exactly n clients are connected (and logged in, if asked); return them."""
        return await self.records.wait_for_clients(n, logged_in=logged_in)

    async def wait_for_connections(self, n: int) -> list[ClientRecord]:
        """Wait until n connections have been established in total; return their records."""
        return await self.records.wait_for_connections(n)

    async def wait_for_heartbeats(self, n: int) -> int:
        """Wait until n heartbeats have arrived in total."""
        return await self.records.wait_for_heartbeats(n)

    async def wait_for_pairing(self, n: int = 1) -> str:
        """Wait until n pairings were acknowledged; return the latest key."""
        return await self.records.wait_for_pairing(n)
