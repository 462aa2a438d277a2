"""The config flow's pairing beside its steps: kept keys, the wait's ticks, a late announcement.

Pairing is the one step that waits on the user's hands (pressing Pair on the thermostat) and on
the frontend's timing. Each piece here exists for one of those; none decides which step comes
next (config_flow.py does), and none keeps a link alive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED
from homeassistant.helpers.event import async_call_later
from homeassistant.util.hass_dict import HassKey

from .client import AuthenticationError, PairingResult, pair, probe
from .client.pairing import PAIRING_RETRY, PROBE_TIMEOUT
from .const import DOMAIN
from .helpers import build_transport, fallback_unique_id

# What the config flow's links call themselves in logs and errors: the address never appears
# there.
LOG_NAME = "thermostat"

# Keys the thermostat handed out and we acknowledged, by address, until an entry stores them: the
# thermostat uses only the new key from then on, so one must outlive a dialog closed too early.
ACKNOWLEDGED_KEYS: HassKey[dict[str, PairingResult]] = HassKey(f"{DOMAIN}_acknowledged_keys")

# While pairing, the dialog is told the time left and what the thermostat does this often: it
# refuses (not on its pairing screen yet) or stays silent. One pairing retry lasts as long, and the
# dialog is told half-way between two retries: a key comes right after a retry, and a dialog that
# fetches the flow just as the key ends it would fetch a finished flow ("Invalid flow specified").
PAIR_TICK = PAIRING_RETRY

# The frontend subscribes to progress events only after it has drawn the progress step, so a key
# that comes sooner (a thermostat already on its pairing screen answers in milliseconds) finishes
# the progress unseen. For a minute after the progress ended, whenever a new subscriber has come
# (the dialog that missed the event), the end is announced again. A dialog that saw the first
# announcement gets no second one: a second fetch of a finished flow would show it an error.
ANNOUNCE_POLL = 0.5
ANNOUNCE_POLLS = 120


async def async_get_key(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    *,
    timeout: float,  # noqa: ASYNC109 - the user's time to press Pair, passed on to pair()
    on_refusal: Callable[[], None],
) -> PairingResult:
    """Get a key: the one kept for this address while it works (ACKNOWLEDGED_KEYS), else pair."""
    transport = build_transport(data, name=LOG_NAME)
    address = fallback_unique_id(data)
    keys = hass.data.setdefault(ACKNOWLEDGED_KEYS, {})
    if (known := keys.get(address)) is not None:
        try:
            probed = await probe(transport, known.secret_key, timeout=PROBE_TIMEOUT)
        except AuthenticationError:
            del keys[address]
        else:
            return PairingResult(known.secret_key, probed.fingerprint)

    def acknowledged(result: PairingResult) -> None:
        keys[address] = result

    return await pair(transport, timeout=timeout, acknowledged=acknowledged, on_refusal=on_refusal)


@callback
def async_forget_key(hass: HomeAssistant, data: Mapping[str, Any]) -> None:
    """Drop the key kept for an address once an entry holds it."""
    hass.data.get(ACKNOWLEDGED_KEYS, {}).pop(fallback_unique_id(data), None)


class PairingWait:
    """The pairing task with ticks for the dialog, which redraws a progress step only when told.

    Every `PAIR_TICK` until the task ends, `on_tick` gets the share of the wait gone, and
    `action()`/`remaining()` say what the thermostat does and the time left; the task's own end
    tells the dialog the last time.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        data: Mapping[str, Any],
        timeout: float,
        on_tick: Callable[[float], None],
    ) -> None:
        """Start pairing with the thermostat at `data`, for `timeout` seconds."""
        self._hass = hass
        self._timeout = timeout
        self._on_tick = on_tick
        self._deadline = hass.loop.time() + timeout
        self._refused_at: float | None = None
        # Closing the dialog cancels this task; pair() is cancel-safe and closes its socket.
        self.task: asyncio.Task[PairingResult] = hass.async_create_task(
            async_get_key(hass, data, timeout=timeout, on_refusal=self._refused),
            eager_start=False,
        )
        self._ticker: CALLBACK_TYPE | None = async_call_later(hass, PAIR_TICK / 2, self._tick)

    def _refused(self) -> None:
        self._refused_at = self._hass.loop.time()

    def action(self) -> str:
        """Return what the progress says: waiting, refused lately, or no answer for a while."""
        now = self._hass.loop.time()
        if self._refused_at is not None and now - self._refused_at <= 2 * PAIR_TICK:
            return "pair_refusing"
        if now >= self._deadline - self._timeout + PAIR_TICK:
            return "pair_silent"
        return "pair"

    def remaining(self) -> int:
        """Return the whole seconds left to press Pair."""
        return max(0, round(self._deadline - self._hass.loop.time()))

    @callback
    def _tick(self, _now: datetime) -> None:
        """Have the dialog fetch the progress again: the time left, what the thermostat does."""
        self._ticker = None
        if self.task.done():  # pragma: no cover - a race
            # The key came since; the progress' own end tells the dialog, once.
            return
        self._on_tick(min(1.0, 1 - (self._deadline - self._hass.loop.time()) / self._timeout))
        self._ticker = async_call_later(self._hass, PAIR_TICK, self._tick)

    @callback
    def async_stop(self) -> None:
        """Stop telling the dialog (the task ended, or the dialog closed)."""
        if self._ticker is not None:  # pragma: no branch - None only after the race above
            self._ticker()
            self._ticker = None


class LateAnnouncer:
    """Announces a progress' end again, or a dialog subscribed after it never sees it end."""

    def __init__(self, hass: HomeAssistant, announce: Callable[[], None]) -> None:
        """Look for late subscribers for a minute from now, the progress having just ended."""
        self._hass = hass
        self._announce = announce
        self._subscribers = self._count()
        self._polls = ANNOUNCE_POLLS
        self._timer: CALLBACK_TYPE | None = async_call_later(hass, ANNOUNCE_POLL, self._poll)

    def _count(self) -> int:
        return self._hass.bus.async_listeners().get(EVENT_DATA_ENTRY_FLOW_PROGRESSED, 0)

    @callback
    def _poll(self, _now: datetime) -> None:
        """Announce the end again if someone subscribed since."""
        self._timer = None
        subscribers = self._count()
        if subscribers > self._subscribers:
            self._announce()
        self._subscribers = subscribers
        self._polls -= 1
        if self._polls > 0:
            self._timer = async_call_later(self._hass, ANNOUNCE_POLL, self._poll)

    @callback
    def async_stop(self) -> None:
        """Stop looking: the dialog fetched the next step, or closed."""
        if self._timer is not None:
            self._timer()
            self._timer = None
