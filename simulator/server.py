"""A simulated thermostat: the local protocol over mutual TLS (and a pty), with scripted faults.

One ``Simulator`` is one thermostat on one port; a process may run many. Everything below is a
single line in a test; nothing sleeps on the wall clock, so tests drive every timer (heartbeat
watchdog, reply delays, TLS timeouts) with virtual time.

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
    reject_with = "status" | "error"           a rejected login gets LoginResponse{status "0"} or
                                               Response.Error{error_type, description}
    login_response = {"status": "01"}          the LoginResponse body an accepted keyed login
                                               gets (the burst follows as usual); {} has no status
    busy = "too many clients"                  every login gets Response.Error{error_type "2",
                                               description busy} and is not logged in; None: off
    start_pairing(key=None) / stop_pairing()   an empty-key login gets LoginResponse "1", then
                                               Request.SetSecretKey; the key becomes the accepted
                                               one (replacing the old) once the client answers
                                               Response.SecretKeyUpdated, and pairing mode ends.
                                               A pairing connection is not logged in: it may send
                                               a Login with the new key next. Out of pairing mode
                                               an empty-key login is rejected like a wrong key.
    pairing_delay = 3.0                        SetSecretKey follows the accepted empty-key login
                                               that many seconds later (the user pressing Pair
                                               on the pairing screen); 0 (default): at once
    ignore_goodbye = True                      stop reading from a client once its login is
                                               answered or its pairing acknowledged: its TLS
                                               close is never answered, the link ends only when
                                               the client drops it

Connection faults:
    await refuse() / await accept()            close the listening socket (connects get
                                               ECONNREFUSED) / listen again on the same port
    close_clients() / reset_clients()          FIN (after TLS close_notify) / RST (SO_LINGER 0)
                                               to every client, pty included
    go_silent() / wake()                       stop reading and answering, sockets left open
                                               (reading paused, output discarded, new clients
                                               complete TLS but get no answer) / carry on
    drop_at_next_heartbeat(how="reset")        drop the next client whose heartbeat arrives,
                                               exactly then; one shot
    heartbeat_timeout = 60.0                   drop (FIN) a client whose last heartbeat (or
                                               connect) is that many seconds ago; a loop timer
                                               re-armed on each heartbeat; None (default) is off
    flap(times, how="close")                   drop each of the next `times` clients right after
                                               its login burst has been written
    reply_delay = 2.0                          every frame to a client leaves that many seconds
                                               after it was queued (loop timers; order kept)
    echo_delay = 2.0                           the report of a change a client's command made
                                               leaves that many seconds later (a slow thermostat)
    echo = False                               a client's command is applied but never reported
                                               (a thermostat that never confirms); default True
    trickle = True                             every frame leaves one byte at a time, with
                                               TCP_NODELAY and a drain per byte
    burst_pause = (n, seconds)                 the login burst stops after its first n frames
                                               and carries on that many seconds later
    burst_system_after = n                     the burst's system-wide events come after its
                                               first n zones instead of after the last one
                                               (with burst_pause: a pause between zones after
                                               the system fields); None (default): last
    await use_server_certificate(cert=None)    new connections get another certificate (pinning)
    reject_tls13 = True (default)              a ClientHello offering TLS 1.3 is dropped before
                                               the handshake, as the real thermostat does

Frames (raw; the plant is not changed):
    send_malformed(Malformed.X, bytewise=False)   to every client; see wire.Malformed: invalid
                                                  JSON, {"Event": 5}, a non-object body, number
                                                  values, a missing field, an invalid value, an
                                                  unknown event, non-UTF-8, 1 MiB unterminated
    send_event(name, fields, prefix=b"", bytewise=False)  to logged-in clients; prefix puts bytes
                                                  before the "{"
    send_raw(data, bytewise=False)               any bytes to every client
    burst_extras.append(frame)                   extra frames sent after every login burst
    replay = load_capture(path)                  every accepted login gets a captured session's
                                                 frames as its burst instead of the plant's (see
                                                 simulator.replay); commands still act on the plant

Records and sync points (all awaitables end after ``wait_timeout`` seconds, default 10, with a
TimeoutError that says what was missing; set it to None while firing virtual time past it):
    clients / connected / logins / commands / heartbeats / paired_keys / handshake_failures /
    tls13_rejected / heartbeat_timeouts / malformed_received
    await wait_for_logins(n, accepted=True) / wait_for_command(name, n) /
    wait_for_clients(n, logged_in=False) / wait_for_connections(n) / wait_for_heartbeats(n) /
    wait_for_pairing() / wait_until(predicate) / flush()

The pty (``await open_pty()``) carries the same protocol without TLS; faults that concern TLS or
the listening socket do not apply to it. Keys are recorded for tests but never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self, cast

from .links import Link, PtyLink, TcpLink, TlsProtocol, offers_tls13, peek_client_hello
from .pki import ServerCertificate, TestPKI, server_context
from .plant import (
    EMERGENCY_HEAT_OFF_WRITES,
    EMERGENCY_HEAT_ON,
    FAN_MODES,
    ZONE_MODES,
    Plant,
    RejectedError,
    Value,
    ZoneState,
    apply_setpoint,
    code,
    default_zone,
    number,
    temperature,
)
from .wire import (
    TERMINATOR,
    Fields,
    Malformed,
    decode,
    event,
    malformed,
    redact,
    request,
    response,
    string_fields,
)

_LOGGER = logging.getLogger(__name__)

type DropHow = Literal["close", "reset"]
type ClientCertMode = Literal["strict", "open"]
type RejectWith = Literal["status", "error"]

LOGIN_OK = "1"
LOGIN_REJECTED = "0"
ERROR_TYPE = "1"
ERROR_DESCRIPTION = "Invalid secret key"
BUSY_TYPE = "2"
HANDSHAKE_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0
MAX_INBOUND = 1 << 20
DEFAULT_WAIT = 10.0
BACKLOG = 128


def generate_key() -> str:
    """Return a fresh random secret key."""
    return secrets.token_hex(16)


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


@dataclass(slots=True)
class _Outgoing:
    data: bytes
    bytewise: bool
    after: Callable[[], None] | None
    release: asyncio.Future[None] | None = None
    timer: asyncio.TimerHandle | None = None


class _Session:
    """The protocol logic for one client over any link."""

    def __init__(self, sim: Simulator, link: Link, record: ClientRecord) -> None:
        self._sim = sim
        self.link = link
        self.record = record
        self.pending_key: str | None = None
        self.paused = False
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._held = bytearray()
        self._queue: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._timers: set[asyncio.TimerHandle] = set()
        self._watchdog: asyncio.TimerHandle | None = None
        self.writer = self._loop.create_task(
            self._write_loop(), name=f"simulator client {record.client_id}"
        )

    # inbound

    def feed(self, data: bytes) -> None:
        """Take bytes from the link."""
        if self.link.closed:
            return
        if self.paused:
            self._held.extend(data)
            return
        self._buffer.extend(data)
        self._process()

    def _process(self) -> None:
        while not self.paused and not self.link.closed:
            end = self._buffer.find(TERMINATOR)
            if end < 0:
                break
            frame = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if frame.strip():
                self._sim.on_frame(self, frame)
        if len(self._buffer) > MAX_INBOUND:
            _LOGGER.warning(
                "client %s: %d bytes without a terminator", self.record.client_id, len(self._buffer)
            )
            self.drop("reset")

    def pause(self) -> None:
        """Stop reading (bytes stay in the kernel) and stop the watchdog."""
        self.paused = True
        self.link.pause_reading()
        self.disarm_watchdog()

    def resume(self) -> None:
        """Read again, starting with anything that arrived while paused."""
        self.paused = False
        self.link.resume_reading()
        self._buffer.extend(self._held)
        self._held.clear()
        self.arm_watchdog()
        self._process()

    # heartbeat watchdog

    def arm_watchdog(self) -> None:
        """(Re)start the missed-heartbeat timer if one is configured."""
        self.disarm_watchdog()
        timeout = self._sim.heartbeat_timeout
        if timeout is not None and not self.paused and not self.link.closed:
            self._watchdog = self._loop.call_later(timeout, self._watchdog_fired)

    def disarm_watchdog(self) -> None:
        """Cancel the missed-heartbeat timer."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _watchdog_fired(self) -> None:
        self._watchdog = None
        self._sim.heartbeat_timeouts += 1
        _LOGGER.info("client %s: no heartbeat in time, dropping it", self.record.client_id)
        self.drop("close")

    # outbound

    def send(
        self,
        data: bytes,
        *,
        bytewise: bool = False,
        after: Callable[[], None] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a frame; it leaves after the reply delay (plus `delay`), in order."""
        if self.link.closed:
            return
        item = _Outgoing(data, bytewise, after)
        delay += self._sim.reply_delay
        if delay > 0:
            item.release = self._loop.create_future()
            item.timer = self._loop.call_later(delay, self._release, item)
            self._timers.add(item.timer)
        self._queue.put_nowait(item)

    def _release(self, item: _Outgoing) -> None:
        if item.timer is not None:
            self._timers.discard(item.timer)
        if item.release is not None and not item.release.done():
            item.release.set_result(None)

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                if item.release is not None:
                    await item.release
                if self.link.closed or self._sim.silent:
                    continue
                await self._write(item)
                if item.after is not None:
                    item.after()
            finally:
                self._queue.task_done()

    async def _write(self, item: _Outgoing) -> None:
        if item.bytewise or self._sim.trickle:
            for i in range(len(item.data)):
                if self.link.closed:
                    return
                self.link.write(item.data[i : i + 1])
                await self.link.drain()
                await asyncio.sleep(0)  # one loop pass per byte so each leaves on its own
        else:
            self.link.write(item.data)
            await self.link.drain()
        self.record.frames_sent += 1
        _LOGGER.debug("client %s <- %s", self.record.client_id, redact(item.data))

    async def flush(self) -> None:
        """Wait until every queued frame has been written (or discarded)."""
        await self._queue.join()

    # lifecycle

    def drop(self, how: DropHow) -> None:
        """Close (FIN) or reset (RST) the link."""
        if self.link.closed:
            return
        self.disarm_watchdog()
        if how == "reset":
            self.link.reset()
        else:
            self.link.close()

    def lost(self) -> None:
        """Stop timers and the writer: the link is gone."""
        self.disarm_watchdog()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.writer.cancel()
        while not self._queue.empty():  # so flush() never waits on frames that cannot leave
            self._queue.get_nowait()
            self._queue.task_done()
        self._sim.on_lost(self)


class Simulator:
    """One simulated thermostat."""

    def __init__(  # noqa: PLR0913, PLR0915 - a test double's knobs, all keyword-only
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
        self._secret_key = secret_key if secret_key is not None else generate_key()
        self.pairing = pairing
        self.pairing_key = pairing_key if pairing_key is not None else generate_key()
        self.reject_with: RejectWith = reject_with
        self.login_response: Fields | None = None
        self.busy: str | None = None
        self.heartbeat_timeout = heartbeat_timeout
        self.reply_delay = 0.0
        self.echo_delay = 0.0
        self.echo = True
        self.pairing_delay = 0.0
        self.ignore_goodbye = False
        self.trickle = False
        self.burst_pause: tuple[int, float] | None = None
        self.burst_system_after: int | None = None
        self.silent = False
        self.reject_tls13 = True
        self.emergency_heat_off = self.plant.emergency_heat
        self.burst_extras: list[bytes] = []
        self.replay: list[bytes] | None = None
        self.wait_timeout: float | None = DEFAULT_WAIT
        # records
        self.clients: list[ClientRecord] = []
        self.logins: list[LoginRecord] = []
        self.commands: list[CommandRecord] = []
        self.paired_keys: list[str] = []
        self.heartbeats = 0
        self.handshake_failures = 0
        self.tls13_rejected = 0
        self.heartbeat_timeouts = 0
        self.malformed_received = 0
        # machinery
        self.host = "127.0.0.1"
        self._port = 0
        self._certificate = self.pki.server
        self.client_ca_pem = self.pki.ca_pem
        self._context: ssl.SSLContext | None = None
        self._listener: socket.socket | None = None
        self._accept_task: asyncio.Task[None] | None = None
        self._admissions: set[asyncio.Task[None]] = set()
        self._sessions: list[_Session] = []
        self._protocols: set[TlsProtocol] = set()
        self._writers: set[asyncio.Task[None]] = set()
        self._waiters: list[tuple[Callable[[], object], asyncio.Future[Any]]] = []
        self._drop_at_heartbeat: DropHow | None = None
        self._flaps = 0
        self._flap_how: DropHow = "close"
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
        for session in list(self._sessions):
            session.disarm_watchdog()
            if isinstance(session.link, TcpLink):
                session.link.abort()
            else:
                session.link.close()
        await asyncio.gather(*(p.gone for p in list(self._protocols)), return_exceptions=True)
        writers = list(self._writers)
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
                hello = await peek_client_hello(sock) if self.reject_tls13 else b""
                if offers_tls13(hello):
                    _LOGGER.info("%s: dropping a TLS 1.3 ClientHello", self.name)
                    self.tls13_rejected += 1
                    # Consume what was peeked so the close is a FIN (EOF), not an RST.
                    sock.recv(len(hello))
                    sock.close()
                    self._changed()
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
            self.handshake_failures += 1
            sock.close()
            self._changed()
            return
        except asyncio.CancelledError:
            sock.close()
            raise

    def _on_tls_made(self, protocol: TlsProtocol) -> _Session:
        link = protocol.link
        assert link is not None  # noqa: S101 - set by the protocol before it calls us
        # From here on connection_lost is certain, so stop() may wait for it.
        self._protocols.add(protocol)
        protocol.gone.add_done_callback(lambda _: self._protocols.discard(protocol))
        return self._open_session(link, link.tls_version, link.peer_certificate)

    def _open_session(
        self, link: Link, tls_version: str | None, certificate: bytes | None
    ) -> _Session:
        record = ClientRecord(
            client_id=len(self.clients) + 1,
            kind=link.kind,
            peer=link.peer,
            tls_version=tls_version,
            client_certificate=certificate,
        )
        self.clients.append(record)
        session = _Session(self, link, record)
        self._sessions.append(session)
        self._writers.add(session.writer)
        session.writer.add_done_callback(self._writers.discard)
        _LOGGER.info("%s: client %s connected from %s", self.name, record.client_id, link.peer)
        session.arm_watchdog()
        if self.silent:
            # Not from inside connection_made: asyncio's TLS would then never flush the server's
            # last handshake flight.
            asyncio.get_running_loop().call_soon(session.pause)
        self._changed()
        return session

    def on_lost(self, session: _Session) -> None:
        """Forget a closed session."""
        session.record.connected = False
        session.record.logged_in = False
        if session in self._sessions:
            self._sessions.remove(session)
        _LOGGER.info("%s: client %s gone", self.name, session.record.client_id)
        self._changed()

    async def open_pty(self) -> str:
        """Serve the protocol (no TLS) on a new pseudo-terminal; return its device path."""
        link = PtyLink()
        session = self._open_session(link, None, None)
        link.start(session)
        return link.path

    # inbound protocol

    def on_frame(self, session: _Session, frame: bytes) -> None:
        """Handle one frame from a client."""
        record = session.record
        record.frames_received += 1
        _LOGGER.debug("client %s -> %s", record.client_id, redact(frame))
        message = decode(frame)
        if message is None or len(message) != 1:
            self._malformed(session, frame)
            return
        ((envelope, body),) = message.items()
        if envelope == "Heartbeat":
            self._on_heartbeat(session)
            return
        if envelope not in {"Request", "Response"} or not isinstance(body, dict) or len(body) != 1:
            self._malformed(session, frame)
            return
        ((name, raw),) = body.items()
        fields = string_fields(raw)
        if fields is None:
            self._malformed(session, frame)
        elif envelope == "Response":
            self._on_response(session, name, fields)
        elif name == "Login":
            self._on_login(session, fields)
        else:
            self._on_command(session, name, fields)

    def _malformed(self, session: _Session, frame: bytes) -> None:
        _LOGGER.warning(
            "client %s sent a malformed frame: %s", session.record.client_id, redact(frame)
        )
        self.malformed_received += 1
        session.record.malformed.append(frame)
        self._changed()

    def _on_heartbeat(self, session: _Session) -> None:
        session.record.heartbeats += 1
        self.heartbeats += 1
        how, self._drop_at_heartbeat = self._drop_at_heartbeat, None
        if how is not None:
            _LOGGER.info("client %s: dropped at its heartbeat (%s)", session.record.client_id, how)
            session.drop(how)
        else:
            session.arm_watchdog()
        self._changed()

    def _on_login(self, session: _Session, fields: Fields) -> None:
        key = fields.get("secret_key", "")
        pairing = not key
        accepted = self.pairing if pairing else secrets.compare_digest(key, self._secret_key)
        login = LoginRecord(
            client_id=session.record.client_id,
            secret_key=key,
            device_id=fields.get("device_id", ""),
            device_type=fields.get("device_type", ""),
            accepted=accepted,
            pairing=pairing,
        )
        self.logins.append(login)
        session.record.logins.append(login)
        if self.busy is not None:
            accepted = False
        session.record.logged_in = accepted and not pairing
        _LOGGER.info(
            "client %s: %s login %s",
            session.record.client_id,
            "pairing" if pairing else "keyed",
            "accepted" if accepted else "rejected",
        )
        if self.busy is not None:
            session.send(response("Error", {"error_type": BUSY_TYPE, "description": self.busy}))
        elif not accepted:
            if self.reject_with == "error":
                session.send(
                    response("Error", {"error_type": ERROR_TYPE, "description": ERROR_DESCRIPTION})
                )
            else:
                session.send(response("LoginResponse", {"status": LOGIN_REJECTED}))
        elif pairing:
            session.pending_key = self.pairing_key
            session.send(response("LoginResponse", {"status": LOGIN_OK}))
            offer = request("SetSecretKey", {"secret_key": self.pairing_key})
            session.send(offer, delay=self.pairing_delay)
        else:
            reply = self.login_response if self.login_response is not None else {"status": LOGIN_OK}
            session.send(response("LoginResponse", reply))
            self._send_burst(session)
            if self.ignore_goodbye:
                session.pause()
        self._changed()

    def _send_burst(self, session: _Session) -> None:
        """Queue the burst that follows an accepted login."""
        if self.replay is not None:
            frames = [*self.replay, *self.burst_extras]
        else:
            frames = [
                event(name, body) for name, body in self.plant.burst(self.burst_system_after)
            ] + list(self.burst_extras)
        if not frames:
            return
        pause_after, pause = self.burst_pause or (len(frames), 0.0)
        delays = [0.0 if i < pause_after else pause for i in range(len(frames))]
        for frame, delay in zip(frames[:-1], delays, strict=False):
            session.send(frame, delay=delay)
        after: Callable[[], None] | None = None
        if self._flaps > 0:
            self._flaps -= 1
            after = functools.partial(session.drop, self._flap_how)
        session.send(frames[-1], after=after, delay=delays[-1])

    def _on_response(self, session: _Session, name: str, fields: Fields) -> None:
        if name != "SecretKeyUpdated" or session.pending_key is None:
            return
        if fields.get("secret_key") != session.pending_key:
            _LOGGER.warning("client %s acknowledged a different key", session.record.client_id)
            return
        self._secret_key = session.pending_key
        self.paired_keys.append(session.pending_key)
        session.pending_key = None
        self.pairing = False
        _LOGGER.info("client %s: paired", session.record.client_id)
        if self.ignore_goodbye:
            session.pause()
        self._changed()

    def _on_command(self, session: _Session, name: str, fields: Fields) -> None:
        handler = self._handlers.get(name)
        reason: str | None = None
        if not session.record.logged_in:
            reason = "not logged in"
        elif handler is None:
            reason = "unknown request"
        else:
            try:
                handler(self, fields)
            except RejectedError as err:
                reason = str(err)
        command = CommandRecord(
            session.record.client_id, name, fields, applied=reason is None, reason=reason
        )
        self.commands.append(command)
        session.record.commands.append(command)
        if reason is not None:
            _LOGGER.info("client %s: %s ignored: %s", session.record.client_id, name, reason)
        self._changed()

    def _zone_for(self, fields: Fields) -> ZoneState:
        zone = self.plant.zones.get(fields.get("zone_id", ""))
        if zone is None:
            msg = f"unknown zone {fields.get('zone_id')!r}"
            raise RejectedError(msg)
        return zone

    def _cmd_setpoint(self, fields: Fields) -> None:
        zone = self._zone_for(fields)
        self._echo("TemperatureSetpointUpdated", apply_setpoint(zone, fields))

    def _cmd_zone_mode(self, fields: Fields) -> None:
        zone = self._zone_for(fields)
        mode = fields.get("zone_mode", "")
        if mode not in ZONE_MODES or not self.plant.supports(mode):
            msg = f"zone_mode {mode!r} not supported"
            raise RejectedError(msg)
        zone.mode = mode
        self._echo("ZoneModeUpdated", {"zone_id": zone.zone_id, "zone_mode": mode})

    def _cmd_fan_mode(self, fields: Fields) -> None:
        mode = fields.get("fan_mode", "")
        if mode not in FAN_MODES:
            msg = f"fan_mode {mode!r} unknown"
            raise RejectedError(msg)
        self.plant.fan_mode = mode
        self._echo("FanModeUpdated", {"fan_mode": mode})

    def _cmd_emergency_heat(self, fields: Fields) -> None:
        value = fields.get("emergency_heat", "")
        if value == EMERGENCY_HEAT_ON:
            self.plant.emergency_heat = EMERGENCY_HEAT_ON
        elif value in EMERGENCY_HEAT_OFF_WRITES:
            self.plant.emergency_heat = self.emergency_heat_off
        else:
            msg = f"emergency_heat {value!r} unknown"
            raise RejectedError(msg)
        self._echo("EmergencyHeatUpdated", {"emergency_heat": self.plant.emergency_heat})

    _handlers: dict[str, Callable[[Simulator, Fields], None]] = {
        "UpdateTemperatureSetpoint": _cmd_setpoint,
        "UpdateZoneMode": _cmd_zone_mode,
        "UpdateFanMode": _cmd_fan_mode,
        "UpdateEmergencyHeat": _cmd_emergency_heat,
    }

    # outbound

    def _broadcast(self, name: str, fields: Fields, *, delay: float = 0.0) -> None:
        frame = event(name, fields)
        for session in self._sessions:
            if session.record.logged_in:
                session.send(frame, delay=delay)

    def _echo(self, name: str, fields: Fields) -> None:
        """Report a change a command made: after echo_delay, or never when echo is off."""
        if self.echo:
            self._broadcast(name, fields, delay=self.echo_delay)

    def send_event(
        self, name: str, fields: Fields, *, prefix: bytes = b"", bytewise: bool = False
    ) -> None:
        """Send an event to logged-in clients without touching the plant."""
        frame = prefix + event(name, fields)
        for session in self._sessions:
            if session.record.logged_in:
                session.send(frame, bytewise=bytewise)

    def send_raw(self, data: bytes, *, bytewise: bool = False) -> None:
        """Send arbitrary bytes to every client."""
        for session in self._sessions:
            session.send(data, bytewise=bytewise)

    def send_malformed(self, kind: Malformed, *, bytewise: bool = False) -> None:
        """Send one broken frame of the given kind to every client."""
        zone_id = next(iter(self.plant.zones), "1")
        self.send_raw(malformed(kind, zone_id), bytewise=bytewise)

    async def flush(self) -> None:
        """Wait until every frame queued so far has been written."""
        await asyncio.gather(*(s.flush() for s in list(self._sessions)))

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
        self._broadcast(
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
        self._broadcast("TemperatureSetpointUpdated", fields)

    def set_zone_mode(self, zone_id: str, mode: int | str) -> None:
        """Change a zone's mode (0 off, 1 auto, 2 cool, 3 heat)."""
        zone = self._zone(zone_id)
        zone.mode = code(mode)
        self._broadcast("ZoneModeUpdated", {"zone_id": zone_id, "zone_mode": zone.mode})

    def set_zone_name(self, zone_id: str, name: str) -> None:
        """Rename a zone."""
        zone = self._zone(zone_id)
        zone.name = name
        self._broadcast("ZoneNameUpdated", {"zone_id": zone_id, "zone_name": name})

    def set_supported_modes(self, modes: str | Iterable[int | str]) -> None:
        """Change the supported zone modes ("0,1,2,3" or an iterable)."""
        self.plant.supported_modes = (
            modes if isinstance(modes, str) else ",".join(code(m) for m in modes)
        )
        self._broadcast("SupportedZoneModesUpdated", {"modes": self.plant.supported_modes})

    def set_fan_mode(self, mode: int | str) -> None:
        """Change the fan mode (1 auto, 2 always on, 3 circulate)."""
        self.plant.fan_mode = code(mode)
        self._broadcast("FanModeUpdated", {"fan_mode": self.plant.fan_mode})

    def set_emergency_heat(self, *, on: bool) -> None:
        """Switch emergency heat; reported as "1", or emergency_heat_off when off."""
        self.plant.emergency_heat = EMERGENCY_HEAT_ON if on else self.emergency_heat_off
        self._broadcast("EmergencyHeatUpdated", {"emergency_heat": self.plant.emergency_heat})

    def set_humidity(self, value: Value) -> None:
        """Change the indoor relative humidity (%)."""
        self.plant.relative_humidity = number(value)
        self._broadcast(
            "IndoorRelativeHumidityUpdated", {"relative_humidity": self.plant.relative_humidity}
        )

    def set_cooling(self, status: int | str) -> None:
        """Change the system cooling status (0 off, 1 idle, 2 running)."""
        self.plant.cooling_active = code(status)
        self._broadcast("CoolingStatusUpdated", {"cooling_active": self.plant.cooling_active})

    def set_heating(self, status: int | str) -> None:
        """Change the system heating status (0 off, 1 idle, 2 running)."""
        self.plant.heating_active = code(status)
        self._broadcast("HeatingStatusUpdated", {"heating_active": self.plant.heating_active})

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
                self._broadcast(event_name, fields)
        return zone

    def remove_zone(self, zone_id: str, *, drop: DropHow | None = None) -> None:
        """Remove a zone: the next burst lacks it (the protocol has no removal event)."""
        del self.plant.zones[self._zone(zone_id).zone_id]
        if drop is not None:
            self._drop_all(drop)

    # keys and pairing

    @property
    def secret_key(self) -> str:
        """Return the key a login must carry."""
        return self._secret_key

    def set_secret_key(self, key: str) -> None:
        """Accept this key from now on; connected clients stay."""
        self._secret_key = key

    def revoke_key(self, new_key: str | None = None, *, how: DropHow = "close") -> str:
        """Change the accepted key and drop every client; return the new key."""
        self._secret_key = new_key if new_key is not None else generate_key()
        self._drop_all(how)
        return self._secret_key

    def start_pairing(self, key: str | None = None) -> str:
        """Enter pairing mode; return the key it will hand out."""
        self.pairing = True
        if key is not None:
            self.pairing_key = key
        return self.pairing_key

    def stop_pairing(self) -> None:
        """Leave pairing mode: empty-key logins are rejected again."""
        self.pairing = False

    # connection faults

    def _drop_all(self, how: DropHow) -> None:
        for session in list(self._sessions):
            session.drop(how)

    def close_clients(self) -> None:
        """Close every client in order (TLS close_notify and FIN)."""
        self._drop_all("close")

    def reset_clients(self) -> None:
        """Reset every client (RST)."""
        self._drop_all("reset")

    def go_silent(self) -> None:
        """Stop reading and answering; sockets stay open."""
        self.silent = True
        for session in self._sessions:
            session.pause()

    def wake(self) -> None:
        """Read and answer again, starting with what clients sent meanwhile."""
        self.silent = False
        for session in list(self._sessions):
            session.resume()

    def drop_at_next_heartbeat(self, how: DropHow = "reset") -> None:
        """Drop the next client whose heartbeat arrives, at that moment."""
        self._drop_at_heartbeat = how

    def enforce_heartbeats(self, timeout: float | None = 60.0) -> None:
        """Drop clients that send no heartbeat for timeout seconds (None: never)."""
        self.heartbeat_timeout = timeout
        for session in self._sessions:
            session.arm_watchdog()

    def flap(self, times: int, how: DropHow = "close") -> None:
        """Drop each of the next `times` clients right after its login burst."""
        self._flaps, self._flap_how = times, how

    # records and sync points

    @property
    def connected(self) -> list[ClientRecord]:
        """Return the clients connected now."""
        return [s.record for s in self._sessions]

    @property
    def connections(self) -> int:
        """Return how many connections were established (TLS completed, or pty opened)."""
        return len(self.clients)

    def _changed(self) -> None:
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
