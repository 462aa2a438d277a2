"""The connection owner's one object: keeps a thermostat link up, tells listeners, sends commands.

A thin facade over the client's parts, each with its own job:

- ``reconnect.ReconnectLogic``: the LinkState machine, backoff, giving up, refreshing a silent
  link (the silence policy); no state, no commands.
- ``hub.StateHub``: the live ThermostatState, its state and availability listeners, the ready
  waiters and the zone-removal rule; it hears the reconnect logic through ``LinkCallbacks``.
- ``control.Control`` (the base class): the command API, planned by rules.py and run by
  commands.py on the READY link.

The Supervisor wires them together and adds nothing of its own beyond ``wait_ready``, which
asks both the link (already READY, given up) and the hub (wait for the next READY).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from .capture import Capture
from .commands import Commands
from .control import Control
from .errors import ConnectError, SteamloopError
from .hub import AvailabilityListener, StateHub, StateListener
from .reconnect import GIVEN_UP, LinkCallbacks, LinkState, ReconnectLogic
from .redact import BASE, Redactor
from .state import ThermostatState
from .stats import LinkStats
from .transport import Transport


class Supervisor(Control):
    """Keeps a thermostat connected and its state fresh."""

    def __init__(  # noqa: PLR0913 - keyword-only knobs past the first two
        self,
        transport: Transport,
        secret_key: str,
        *,
        expected_fingerprint: str | None = None,
        rng: random.Random | None = None,
        now: Callable[[], datetime] | None = None,
        redactor: Redactor = BASE,
    ) -> None:
        """Supervise `transport`; pin the peer to `expected_fingerprint` when given.

        `redactor` masks what the owner knows to be sensitive (addresses, names) in every frame,
        log line and error text of the links, on top of the key.
        """
        self.transport = transport
        self.stats = LinkStats()
        self.capture = Capture(redactor=redactor.with_secrets(secret_key))
        state = ThermostatState()
        commands = Commands(state)
        self._hub = StateHub(
            state, name=transport.name, capture=self.capture, reported=commands.reported
        )
        self._link = ReconnectLogic(
            transport,
            secret_key,
            callbacks=LinkCallbacks(
                synced=self._hub.synced,
                ready=self._hub.ready,
                lost=self._lost,
                availability=self._hub.availability,
                failed=self._hub.failed,
                ended=self._hub.ended,
            ),
            stats=self.stats,
            capture=self.capture,
            expected_fingerprint=expected_fingerprint,
            rng=rng,
            now=now,
        )
        super().__init__(state, commands, self._link.ready_session)

    @property
    def link_state(self) -> LinkState:
        """Return where the link is in its life."""
        return self._link.link_state

    @property
    def available(self) -> bool:
        """Return whether entities should show as available (READY, or refreshing a READY link)."""
        return self._link.available

    @property
    def fingerprint(self) -> str | None:
        """Return the certificate fingerprint of the last peer that completed TLS."""
        return self._link.fingerprint

    @property
    def last_error(self) -> SteamloopError | None:
        """Return why the last attempt failed or the last link ended; None while READY."""
        return self._link.last_error

    def add_availability_listener(self, listener: AvailabilityListener) -> Callable[[], None]:
        """Call `listener(available, reason)` on every availability transition."""
        return self._hub.add_availability_listener(listener)

    def add_state_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(change)` per state-changing event and once per completed sync."""
        return self._hub.add_state_listener(listener)

    async def run(self) -> None:
        """Own the link until stop(), or until the key is refused or the certificate differs."""
        await self._link.run()

    async def stop(self) -> None:
        """Stop for good and release every task, timer and socket; idempotent."""
        await self._link.stop()

    async def wait_ready(
        self,
        timeout: float,  # noqa: ASYNC109 - the owner's deadline
        *,
        first_failure: bool = False,
    ) -> None:
        """Return once READY; raise the give-up error, or ConnectError after `timeout` seconds.

        With `first_failure`, the first failed attempt (refused, unreachable, busy, no login
        reply) raises its error at once instead: the owner retries in its own time, while the
        supervisor keeps trying in the background until stopped.
        """
        if self.link_state is LinkState.READY:
            return
        if self.link_state in GIVEN_UP:
            raise self.last_error or self._link.stopped_error()
        if first_failure and self.last_error is not None:
            raise self.last_error
        try:
            await self._hub.wait_ready(timeout, first_failure=first_failure)
        except TimeoutError:
            msg = f"{self.transport.name}: not ready within {timeout:g} s"
            raise ConnectError(msg) from self.last_error

    def _lost(self) -> None:
        self.commands.link_lost(f"{self.transport.name}: the link ended before the report")
        self._hub.lost()
