"""The thermostat's side of the protocol: login, pairing, requests and the events it pushes.

``Protocol`` owns the connected clients' sessions, the keys and pairing mode, and what each frame
a client sends does: a Login gets its verdict and the login burst, a request is applied to the plant
and reported back, a Response acknowledges pairing, a heartbeat re-arms the watchdog. It reads the
fault switches (``simulator.faults``) at the moment each applies and writes what happened into
``simulator.records``. It may not listen, accept or speak TLS (``simulator.server`` does) nor
change a fault switch.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from .faults import DropHow, Faults
from .links import Link
from .plant import (
    EMERGENCY_HEAT_OFF_WRITES,
    EMERGENCY_HEAT_ON,
    FAN_MODES,
    ZONE_MODES,
    Plant,
    RejectedError,
    ZoneState,
    apply_setpoint,
)
from .records import ClientRecord, CommandRecord, LoginRecord, Records
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

LOGIN_OK = "1"
LOGIN_REJECTED = "0"
ERROR_TYPE = "1"
ERROR_DESCRIPTION = "Invalid secret key"
BUSY_TYPE = "2"
MAX_INBOUND = 1 << 20


def generate_key() -> str:
    """Return a fresh random secret key."""
    return secrets.token_hex(16)


@dataclass(slots=True)
class _Outgoing:
    data: bytes
    bytewise: bool
    after: Callable[[], None] | None
    release: asyncio.Future[None] | None = None
    timer: asyncio.TimerHandle | None = None


class ClientSession:
    """One client over any link: reading frames, the outbound queue, the heartbeat watchdog."""

    def __init__(self, protocol: Protocol, link: Link, record: ClientRecord) -> None:
        """Start the writer; frames go to `protocol`."""
        self._protocol = protocol
        self._faults = protocol.faults
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
                self._protocol.on_frame(self, frame)
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
        timeout = self._faults.heartbeat_timeout
        if timeout is not None and not self.paused and not self.link.closed:
            self._watchdog = self._loop.call_later(timeout, self._watchdog_fired)

    def disarm_watchdog(self) -> None:
        """Cancel the missed-heartbeat timer."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _watchdog_fired(self) -> None:
        self._watchdog = None
        self._protocol.records.heartbeat_timeouts += 1
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
        delay += self._faults.reply_delay
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
                if self.link.closed or self._faults.silent:
                    continue
                await self._write(item)
                if item.after is not None:
                    item.after()
            finally:
                self._queue.task_done()

    async def _write(self, item: _Outgoing) -> None:
        if item.bytewise or self._faults.trickle:
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
        self._protocol.on_lost(self)


class Protocol:
    """The protocol handling of one thermostat, across its clients."""

    def __init__(  # noqa: PLR0913 - the thermostat's parts and its keys, keyword-only
        self,
        *,
        name: str,
        plant: Plant,
        faults: Faults,
        records: Records,
        secret_key: str,
        pairing: bool,
        pairing_key: str,
    ) -> None:
        """Serve `plant` with these switches, recording into `records`."""
        self.name = name
        self.plant = plant
        self.faults = faults
        self.records = records
        self.secret_key = secret_key
        self.pairing = pairing
        self.pairing_key = pairing_key
        self.sessions: list[ClientSession] = []
        self.writers: set[asyncio.Task[None]] = set()

    # sessions

    def open_session(
        self, link: Link, tls_version: str | None, certificate: bytes | None
    ) -> ClientSession:
        """Serve a new client on `link`."""
        record = self.records.new_client(link.kind, link.peer, tls_version, certificate)
        session = ClientSession(self, link, record)
        self.sessions.append(session)
        self.writers.add(session.writer)
        session.writer.add_done_callback(self.writers.discard)
        _LOGGER.info("%s: client %s connected from %s", self.name, record.client_id, link.peer)
        session.arm_watchdog()
        if self.faults.silent:
            # Not from inside connection_made: asyncio's TLS would then never flush the server's
            # last handshake flight.
            asyncio.get_running_loop().call_soon(session.pause)
        self.records.changed()
        return session

    def on_lost(self, session: ClientSession) -> None:
        """Forget a closed session."""
        session.record.connected = False
        session.record.logged_in = False
        if session in self.sessions:
            self.sessions.remove(session)
        _LOGGER.info("%s: client %s gone", self.name, session.record.client_id)
        self.records.changed()

    def drop_all(self, how: DropHow) -> None:
        """Close (FIN) or reset (RST) every client."""
        for session in list(self.sessions):
            session.drop(how)

    def pause_all(self) -> None:
        """Stop reading from every client (go silent)."""
        for session in self.sessions:
            session.pause()

    def resume_all(self) -> None:
        """Read from every client again, starting with what arrived meanwhile."""
        for session in list(self.sessions):
            session.resume()

    def rearm_watchdogs(self) -> None:
        """Restart every client's heartbeat watchdog with the current timeout."""
        for session in self.sessions:
            session.arm_watchdog()

    # inbound

    def on_frame(self, session: ClientSession, frame: bytes) -> None:
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

    def _malformed(self, session: ClientSession, frame: bytes) -> None:
        _LOGGER.warning(
            "client %s sent a malformed frame: %s", session.record.client_id, redact(frame)
        )
        self.records.malformed(session.record, frame)
        self.records.changed()

    def _on_heartbeat(self, session: ClientSession) -> None:
        self.records.heartbeat(session.record)
        how = self.faults.take_heartbeat_drop()
        if how is not None:
            _LOGGER.info("client %s: dropped at its heartbeat (%s)", session.record.client_id, how)
            session.drop(how)
        else:
            session.arm_watchdog()
        self.records.changed()

    def _on_login(self, session: ClientSession, fields: Fields) -> None:
        faults = self.faults
        key = fields.get("secret_key", "")
        pairing = not key
        accepted = self.pairing if pairing else secrets.compare_digest(key, self.secret_key)
        login = LoginRecord(
            client_id=session.record.client_id,
            secret_key=key,
            device_id=fields.get("device_id", ""),
            device_type=fields.get("device_type", ""),
            accepted=accepted,
            pairing=pairing,
        )
        self.records.login(session.record, login)
        if faults.busy is not None:
            accepted = False
        session.record.logged_in = accepted and not pairing
        _LOGGER.info(
            "client %s: %s login %s",
            session.record.client_id,
            "pairing" if pairing else "keyed",
            "accepted" if accepted else "rejected",
        )
        if faults.busy is not None:
            session.send(response("Error", {"error_type": BUSY_TYPE, "description": faults.busy}))
        elif not accepted:
            if faults.reject_with == "error":
                session.send(
                    response("Error", {"error_type": ERROR_TYPE, "description": ERROR_DESCRIPTION})
                )
            else:
                session.send(response("LoginResponse", {"status": LOGIN_REJECTED}))
        elif pairing:
            session.pending_key = self.pairing_key
            session.send(response("LoginResponse", {"status": LOGIN_OK}))
            offer = request("SetSecretKey", {"secret_key": self.pairing_key})
            session.send(offer, delay=faults.pairing_delay)
        else:
            reply = faults.login_response
            session.send(
                response("LoginResponse", {"status": LOGIN_OK} if reply is None else reply)
            )
            self._send_burst(session)
            if faults.ignore_goodbye:
                session.pause()
        self.records.changed()

    def _send_burst(self, session: ClientSession) -> None:
        """Queue the burst that follows an accepted login."""
        faults = self.faults
        if faults.replay is not None:
            frames = [*faults.replay, *faults.burst_extras]
        else:
            frames = [
                event(name, body) for name, body in self.plant.burst(faults.burst_system_after)
            ] + list(faults.burst_extras)
        if not frames:
            return
        delays = faults.burst_delays(len(frames))
        for frame, delay in zip(frames[:-1], delays, strict=False):
            session.send(frame, delay=delay)
        how = faults.take_flap()
        after = None if how is None else functools.partial(session.drop, how)
        session.send(frames[-1], after=after, delay=delays[-1])

    def _on_response(self, session: ClientSession, name: str, fields: Fields) -> None:
        if name != "SecretKeyUpdated" or session.pending_key is None:
            return
        if fields.get("secret_key") != session.pending_key:
            _LOGGER.warning("client %s acknowledged a different key", session.record.client_id)
            return
        self.secret_key = session.pending_key
        self.records.paired_keys.append(session.pending_key)
        session.pending_key = None
        self.pairing = False
        _LOGGER.info("client %s: paired", session.record.client_id)
        if self.faults.ignore_goodbye:
            session.pause()
        self.records.changed()

    def _on_command(self, session: ClientSession, name: str, fields: Fields) -> None:
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
        self.records.command(session.record, command)
        if reason is not None:
            _LOGGER.info("client %s: %s ignored: %s", session.record.client_id, name, reason)
        self.records.changed()

    # requests: each applies to the plant and reports the change (see echo())

    def _zone_for(self, fields: Fields) -> ZoneState:
        zone = self.plant.zones.get(fields.get("zone_id", ""))
        if zone is None:
            msg = f"unknown zone {fields.get('zone_id')!r}"
            raise RejectedError(msg)
        return zone

    def _cmd_setpoint(self, fields: Fields) -> None:
        zone = self._zone_for(fields)
        self.echo("TemperatureSetpointUpdated", apply_setpoint(zone, fields))

    def _cmd_zone_mode(self, fields: Fields) -> None:
        zone = self._zone_for(fields)
        mode = fields.get("zone_mode", "")
        if mode not in ZONE_MODES or not self.plant.supports(mode):
            msg = f"zone_mode {mode!r} not supported"
            raise RejectedError(msg)
        zone.mode = mode
        self.echo("ZoneModeUpdated", {"zone_id": zone.zone_id, "zone_mode": mode})

    def _cmd_fan_mode(self, fields: Fields) -> None:
        mode = fields.get("fan_mode", "")
        if mode not in FAN_MODES:
            msg = f"fan_mode {mode!r} unknown"
            raise RejectedError(msg)
        self.plant.fan_mode = mode
        self.echo("FanModeUpdated", {"fan_mode": mode})

    def _cmd_emergency_heat(self, fields: Fields) -> None:
        value = fields.get("emergency_heat", "")
        if value == EMERGENCY_HEAT_ON:
            self.plant.emergency_heat = EMERGENCY_HEAT_ON
        elif value in EMERGENCY_HEAT_OFF_WRITES:
            self.plant.emergency_heat = self.faults.emergency_heat_off
        else:
            msg = f"emergency_heat {value!r} unknown"
            raise RejectedError(msg)
        self.echo("EmergencyHeatUpdated", {"emergency_heat": self.plant.emergency_heat})

    _handlers: dict[str, Callable[[Protocol, Fields], None]] = {
        "UpdateTemperatureSetpoint": _cmd_setpoint,
        "UpdateZoneMode": _cmd_zone_mode,
        "UpdateFanMode": _cmd_fan_mode,
        "UpdateEmergencyHeat": _cmd_emergency_heat,
    }

    # outbound

    def broadcast(self, name: str, fields: Fields, *, delay: float = 0.0) -> None:
        """Push an event to every logged-in client."""
        frame = event(name, fields)
        for session in self.sessions:
            if session.record.logged_in:
                session.send(frame, delay=delay)

    def echo(self, name: str, fields: Fields) -> None:
        """Report a change a command made: after echo_delay, or never when echo is off."""
        if self.faults.echo:
            self.broadcast(name, fields, delay=self.faults.echo_delay)

    def send_event(
        self, name: str, fields: Fields, *, prefix: bytes = b"", bytewise: bool = False
    ) -> None:
        """Send an event to logged-in clients without touching the plant."""
        frame = prefix + event(name, fields)
        for session in self.sessions:
            if session.record.logged_in:
                session.send(frame, bytewise=bytewise)

    def send_raw(self, data: bytes, *, bytewise: bool = False) -> None:
        """Send arbitrary bytes to every client."""
        for session in self.sessions:
            session.send(data, bytewise=bytewise)

    def send_malformed(self, kind: Malformed, *, bytewise: bool = False) -> None:
        """Send one broken frame of the given kind to every client."""
        zone_id = next(iter(self.plant.zones), "1")
        self.send_raw(malformed(kind, zone_id), bytewise=bytewise)

    async def flush(self) -> None:
        """Wait until every frame queued so far has been written."""
        await asyncio.gather(*(s.flush() for s in list(self.sessions)))
