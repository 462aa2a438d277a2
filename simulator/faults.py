"""The simulator's fault switches: one object holding every way the thermostat can misbehave.

A test flips a switch (``sim.faults.reply_delay = 2.0``, or the same name on the ``Simulator``,
which forwards it) and the protocol handling reads it at the moment it matters: a switch changed
mid-session applies from the next frame, login or heartbeat on. The switches only describe; what
they do is coded in ``simulator.protocol`` (sessions and the protocol) and ``simulator.server``
(listening, TLS). Actions that act at once on the connected clients (``refuse()``,
``close_clients()``, ``go_silent()``, ``enforce_heartbeats()``...) are the ``Simulator``'s methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .wire import Fields

type DropHow = Literal["close", "reset"]
type RejectWith = Literal["status", "error"]


@dataclass(slots=True)
class Faults:
    """Every switch, off by default: a thermostat that behaves.

    Logins and pairing:
        reject_with         a rejected login gets LoginResponse{status "0"} ("status") or
                            Response.Error{error_type "1", description} ("error")
        login_response      the LoginResponse body an accepted keyed login gets, e.g.
                            {"status": "01"} (the burst follows as usual); {} has no status;
                            None: {"status": "1"}
        busy                e.g. "too many clients": every login gets Response.Error{error_type
                            "2", description busy} and is not logged in; None: off
        pairing_delay       SetSecretKey follows the accepted empty-key login that many seconds
                            later (the user pressing Pair on the pairing screen); 0: at once
        ignore_goodbye      stop reading from a client once its login is answered or its pairing
                            acknowledged: its TLS close is never answered, the link ends only when
                            the client drops it

    Timing and delivery:
        heartbeat_timeout   drop (FIN) a client whose last heartbeat (or connect) is that many
                            seconds ago; a loop timer re-armed on each heartbeat; None: never
                            (set it with enforce_heartbeats() to re-arm connected clients too)
        reply_delay         every frame to a client leaves that many seconds after it was queued
                            (loop timers; order kept)
        echo_delay          the report of a change a client's command made leaves that many
                            seconds later (a slow thermostat)
        echo                False: a client's command is applied but never reported (a thermostat
                            that never confirms)
        trickle             every frame leaves one byte at a time, with TCP_NODELAY and a drain
                            per byte
        silent              reading paused and output discarded for every client; new clients
                            complete TLS but get no answer (set by go_silent() / wake())
        reject_tls13        a ClientHello offering TLS 1.3 is dropped before the handshake, as the
                            real thermostat does (on by default: that is the thermostat)

    The login burst:
        burst_pause         (n, seconds): the burst stops after its first n frames and carries on
                            that many seconds later
        burst_system_after  the burst's system-wide events come after its first n zones instead
                            of after the last one (with burst_pause: a pause between zones after
                            the system fields); None: last
        burst_extras        extra frames sent after every login burst (burst_extras.append(frame))
        replay              every accepted login gets a captured session's frames as its burst
                            instead of the plant's (replay = load_capture(path); see
                            simulator.replay); commands still act on the plant

    Variants of the thermostat:
        emergency_heat_off  what emergency heat reads when off (the plant's value at the start,
                            "0"; a test may set another that some models report)

    One-shot and counted drops (set through drop_at_next_heartbeat() and flap()):
        drop_at_heartbeat   drop the next client whose heartbeat arrives, this way
        flaps, flap_how     drop each of the next `flaps` clients after its login burst
    """

    reject_with: RejectWith = "status"
    login_response: Fields | None = None
    busy: str | None = None
    pairing_delay: float = 0.0
    ignore_goodbye: bool = False
    heartbeat_timeout: float | None = None
    reply_delay: float = 0.0
    echo_delay: float = 0.0
    echo: bool = True
    trickle: bool = False
    silent: bool = False
    reject_tls13: bool = True
    burst_pause: tuple[int, float] | None = None
    burst_system_after: int | None = None
    burst_extras: list[bytes] = field(default_factory=list)
    replay: list[bytes] | None = None
    emergency_heat_off: str = "0"
    drop_at_heartbeat: DropHow | None = None
    flaps: int = 0
    flap_how: DropHow = "close"

    def take_heartbeat_drop(self) -> DropHow | None:
        """Return how to drop the client whose heartbeat just arrived, once; None: keep it."""
        how, self.drop_at_heartbeat = self.drop_at_heartbeat, None
        return how

    def take_flap(self) -> DropHow | None:
        """Return how to drop a client whose burst was just written, counting down; None: keep."""
        if self.flaps <= 0:
            return None
        self.flaps -= 1
        return self.flap_how

    def burst_delays(self, frames: int) -> list[float]:
        """Return the extra delay of each of a burst's frames (burst_pause's gap, else none)."""
        pause_after, pause = self.burst_pause or (frames, 0.0)
        return [0.0 if i < pause_after else pause for i in range(frames)]
