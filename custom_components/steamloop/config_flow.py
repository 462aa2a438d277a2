"""Config flow: network or serial, then pair now or enter a key; migration, reauth, reconfigure.

The options flow sets the presets' heat/cool pairs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PORT, UnitOfTemperature
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.data_entry_flow import EVENT_DATA_ENTRY_FLOW_PROGRESSED
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers import translation
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.util.hass_dict import HassKey

from .client import (
    AuthenticationError,
    PairingError,
    PairingResult,
    PairingTimeoutError,
    SteamloopError,
    TlsTransport,
    pair,
    probe,
)
from .client.pairing import PAIRING_RETRY
from .compat import vol
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    CONF_TAKE_OVER,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    PAIRING_TIMEOUT,
    PROBE_TIMEOUT,
    TRANE_DOMAIN,
)
from .helpers import async_learn_mac, build_transport, fallback_unique_id, valid_host
from .identity import is_mac, new_title, new_unique_id, normal_fingerprint
from .presets import (
    DEFAULT_DEADBAND,
    PRESETS,
    SETPOINT_MAX,
    SETPOINT_MIN,
    option_key,
    presets_from_options,
    to_fahrenheit,
    to_user,
    to_user_interval,
)
from .redact import moved
from .repairs import certificate_issue_id
from .takeover import plan_take_over

CONF_ENTRY = "entry"
CONF_NEXT = "next"
# What the flow's links call themselves in logs and errors: the address never appears there.
LOG_NAME = "thermostat"
PAIR_PATH = "Menu > Settings > Network > Advanced Setup > Remote Connection > Pair"

# The frontend subscribes to progress events only after it has drawn the progress step, so a key
# that comes sooner (a thermostat already on its pairing screen answers in milliseconds) finishes
# the progress unseen. For a minute after the progress ended, whenever a new subscriber has come
# (the dialog that missed the event), the end is announced again. A dialog that saw the first
# announcement gets no second one: a second fetch of a finished flow would show it an error.
ANNOUNCE_POLL = 0.5
ANNOUNCE_POLLS = 120
# While pairing, the dialog is told the time left and what the thermostat does this often: it
# refuses (not on its pairing screen yet) or stays silent. One pairing retry lasts as long, and the
# dialog is told half-way between two retries: a key comes right after a retry, and a dialog that
# fetches the flow just as the key ends it would fetch a finished flow ("Invalid flow specified").
PAIR_TICK = PAIRING_RETRY

# Keys the thermostat handed out and we acknowledged, by address, until an entry stores them: the
# thermostat uses only the new key from then on, so one must outlive a dialog closed too early.
ACKNOWLEDGED_KEYS: HassKey[dict[str, PairingResult]] = HassKey(f"{DOMAIN}_acknowledged_keys")

# Optional to the frontend, so a blank key (empty or spaces alike) gets the flow's one message.
KEY_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_SECRET_KEY, default=""): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


def _network_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): str,
            vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, DEFAULT_PORT)): cv.port,
        }
    )


def _serial_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {vol.Required(CONF_SERIAL_URL, default=defaults.get(CONF_SERIAL_URL, vol.UNDEFINED)): str}
    )


# Where a DHCP-discovered device is asked whether it is a thermostat (tests point it elsewhere).
DISCOVERY_PORT = DEFAULT_PORT
# How long that question may take: a TLS handshake, no login.
DISCOVERY_TIMEOUT = 10.0


def _next_schema(actions: list[str]) -> vol.Schema:
    """Return the "what next" choice after a failure: each way on from where the user is."""
    return vol.Schema(
        {
            vol.Required(CONF_NEXT, default=actions[0]): SelectSelector(
                SelectSelectorConfig(
                    options=actions, mode=SelectSelectorMode.LIST, translation_key="next"
                )
            )
        }
    )


class SteamloopConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a thermostat: where it is, then how to get its key."""

    VERSION = 1
    # 1.2: unique id and title without the address (identity.py migrates older entries).
    MINOR_VERSION = 2

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> SteamloopOptionsFlow:  # noqa: ARG004
        """Return the presets' options flow."""
        return SteamloopOptionsFlow()

    def __init__(self) -> None:
        """Initialise an empty flow."""
        self._data: dict[str, Any] = {}
        self._pair_task: asyncio.Task[PairingResult] | None = None
        self._pairing: PairingResult | None = None
        self._pair_error = "pair_timeout"
        # The MAC a DHCP packet gave, the thermostat's unique id once the entry is made.
        self._discovered_mac: str | None = None
        self._take_over: ConfigEntry | None = None
        # Pairing feedback: when the wait ends (loop time), the last refusal, the ticking timer.
        self._pair_deadline = 0.0
        self._pair_refused_at: float | None = None
        self._pair_ticker: CALLBACK_TYPE | None = None
        # The certificate fingerprint seen by the last successful key check.
        self._fingerprint: str | None = None
        # What the user typed in the key form, offered again when the form comes back.
        self._typed_key = ""
        self._announce: CALLBACK_TYPE | None = None
        self._announce_polls = 0
        self._subscribers = 0

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how the thermostat is connected, or offer to take over a trane entry."""
        # By how often each is needed: the network, a take-over, a serial line (rare) last.
        options = (
            ["network", "migrate", "serial"] if self._trane_entries() else ["network", "serial"]
        )
        return self.async_show_menu(step_id="user", menu_options=options)

    async def async_step_network(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the thermostat's address."""
        if user_input is None:
            return self.async_show_form(step_id="network", data_schema=_network_schema({}))
        data = {CONF_HOST: user_input[CONF_HOST].strip(), CONF_PORT: user_input[CONF_PORT]}
        if not valid_host(data[CONF_HOST]):
            return self._async_show_address({CONF_HOST: "invalid_host"}, data)
        self._data = data
        # The same address (host and port) twice; the same thermostat elsewhere is found later,
        # by what it is (identity.py).
        self._async_abort_entries_match(data)
        return await self.async_step_credentials()

    async def async_step_serial(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the serial device or URL."""
        if user_input is not None:
            self._data = {CONF_SERIAL_URL: user_input[CONF_SERIAL_URL].strip()}
            self._async_abort_entries_match(self._data)
            return await self.async_step_credentials()
        return self.async_show_form(step_id="serial", data_schema=_serial_schema({}))

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer pairing now or entering a key the user already has."""
        return self.async_show_menu(step_id="credentials", menu_options=["pair", "key"])

    async def async_step_key(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Take a key and check it by logging in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._typed_key = user_input.get(CONF_SECRET_KEY, "")
            key = self._typed_key.strip()
            if not key:
                # An empty key is what pairing sends: it would never log in with this entry.
                errors[CONF_SECRET_KEY] = "empty_key"
            elif error := await self._async_check_key(self._data, key):
                if error == "cannot_connect" and self.source != SOURCE_REAUTH:
                    return self._async_show_address({"base": error}, self._data)
                if error == "invalid_auth":
                    return self._async_show_key_rejected()
                errors["base"] = error
            else:
                return await self._async_finish(key)
        return self.async_show_form(
            step_id="key",
            data_schema=self.add_suggested_values_to_schema(
                KEY_SCHEMA, {CONF_SECRET_KEY: self._typed_key}
            ),
            errors=errors,
        )

    @callback
    def _async_show_key_rejected(self) -> ConfigFlowResult:
        """Say the key was rejected and offer every way on: another key, pairing, the address."""
        actions = ["key", "pair"] if self.source == SOURCE_REAUTH else ["key", "pair", "address"]
        return self.async_show_form(
            step_id="key_rejected",
            data_schema=_next_schema(actions),
            errors={"base": "invalid_auth"},
            description_placeholders={"path": PAIR_PATH},
        )

    async def async_step_key_rejected(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go on the way the user chose after a rejected key."""
        if user_input is None:
            return self._async_show_key_rejected()
        return await self._async_go(user_input[CONF_NEXT])

    async def _async_go(self, action: str) -> ConfigFlowResult:
        """Go on after a failure: enter a key, pair, or change the address."""
        if action == "key":
            return await self.async_step_key()
        if action == "address":
            return self._async_show_address({}, self._data)
        return await self.async_step_pair()

    async def async_step_pair(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Wait for the user to press Pair on the thermostat, telling what the thermostat does."""
        if self._pair_task is None:
            # Closing the dialog cancels this task; pair() is cancel-safe and closes its socket.
            self._pair_deadline = self.hass.loop.time() + PAIRING_TIMEOUT
            self._pair_refused_at = None
            self._pair_task = self.hass.async_create_task(self._async_pair(), eager_start=False)
            self._async_tick_later(PAIR_TICK / 2)
        if not self._pair_task.done():
            return self.async_show_progress(
                step_id="pair",
                progress_action=self._pair_progress_action(),
                progress_task=self._pair_task,
                description_placeholders={
                    "path": PAIR_PATH,
                    "timeout": str(int(PAIRING_TIMEOUT)),
                    "remaining": str(max(0, round(self._pair_deadline - self.hass.loop.time()))),
                },
            )
        self._async_stop_ticking()
        task, self._pair_task = self._pair_task, None
        try:
            self._pairing = task.result()
        except PairingTimeoutError:
            self._pair_error = "pair_timeout"
        except PairingError:
            self._pair_error = "pair_refused"
        except SteamloopError as err:
            LOGGER.debug("Pairing failed: %s", err)
            self._pair_error = "cannot_connect"
        else:
            self._async_announce_later()
            return self.async_show_progress_done(next_step_id="pair_finish")
        self._async_announce_later()
        return self.async_show_progress_done(next_step_id="pair_failed")

    async def _async_pair(self) -> PairingResult:
        """Get a key: one acknowledged earlier for this address if it still works, else pair."""
        transport = build_transport(self._data, name=LOG_NAME)
        address = fallback_unique_id(self._data)
        keys = self.hass.data.setdefault(ACKNOWLEDGED_KEYS, {})
        if (known := keys.get(address)) is not None:
            try:
                probed = await probe(transport, known.secret_key, timeout=PROBE_TIMEOUT)
            except AuthenticationError:
                del keys[address]
            else:
                return PairingResult(known.secret_key, probed.fingerprint)

        def acknowledged(result: PairingResult) -> None:
            keys[address] = result

        def refused() -> None:
            self._pair_refused_at = self.hass.loop.time()

        return await pair(
            transport, timeout=PAIRING_TIMEOUT, acknowledged=acknowledged, on_refusal=refused
        )

    def _pair_progress_action(self) -> str:
        """Return what the progress says: waiting, refused lately, or no answer for a while."""
        now = self.hass.loop.time()
        if self._pair_refused_at is not None and now - self._pair_refused_at <= 2 * PAIR_TICK:
            return "pair_refusing"
        if now >= self._pair_deadline - PAIRING_TIMEOUT + PAIR_TICK:
            return "pair_silent"
        return "pair"

    @callback
    def _async_tick_later(self, delay: float = PAIR_TICK) -> None:
        self._pair_ticker = async_call_later(self.hass, delay, self._async_tick)

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Have the dialog fetch the progress again: its time left and the thermostat's answer."""
        self._pair_ticker = None
        if self._pair_task is None or self._pair_task.done():  # pragma: no cover - a race
            # The key came since; the progress' own end tells the dialog, once.
            return
        self.async_update_progress(
            min(1.0, 1 - (self._pair_deadline - self.hass.loop.time()) / PAIRING_TIMEOUT)
        )
        self.async_notify_flow_changed()
        self._async_tick_later()

    @callback
    def _async_stop_ticking(self) -> None:
        if self._pair_ticker is not None:
            self._pair_ticker()
            self._pair_ticker = None

    @callback
    def _async_announce_later(self) -> None:
        self._async_stop_announcing()
        self._subscribers = self._async_progress_subscribers()
        self._announce_polls = ANNOUNCE_POLLS
        self._announce = async_call_later(self.hass, ANNOUNCE_POLL, self._async_announce)

    @callback
    def _async_progress_subscribers(self) -> int:
        return self.hass.bus.async_listeners().get(EVENT_DATA_ENTRY_FLOW_PROGRESSED, 0)

    @callback
    def _async_announce(self, _now: datetime) -> None:
        """Announce the end of the progress again if someone subscribed since."""
        self._announce = None
        subscribers = self._async_progress_subscribers()
        if subscribers > self._subscribers:
            self.async_notify_flow_changed()
        self._subscribers = subscribers
        self._announce_polls -= 1
        if self._announce_polls > 0:
            self._announce = async_call_later(self.hass, ANNOUNCE_POLL, self._async_announce)

    @callback
    def _async_stop_announcing(self) -> None:
        if self._announce is not None:
            self._announce()
            self._announce = None

    @callback
    def async_remove(self) -> None:
        """Stop announcing and ticking when the dialog is closed."""
        self._async_stop_announcing()
        self._async_stop_ticking()

    async def async_step_pair_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say why pairing failed; then pair again, enter a key or go back to the address."""
        self._async_stop_announcing()
        reauth = self.source == SOURCE_REAUTH
        if user_input is None and self._pair_error == "cannot_connect" and not reauth:
            return self._async_show_address({"base": self._pair_error}, self._data)
        if user_input is not None:
            return await self._async_go(user_input[CONF_NEXT])
        actions = ["pair", "key"] if reauth else ["pair", "key", "address"]
        return self.async_show_form(
            step_id="pair_failed",
            data_schema=_next_schema(actions),
            errors={"base": self._pair_error},
            description_placeholders={"path": PAIR_PATH, "timeout": str(int(PAIRING_TIMEOUT))},
        )

    async def async_step_pair_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Store the key the thermostat handed out."""
        self._async_stop_announcing()
        pairing = self._pairing
        if pairing is None:  # pragma: no cover - only reachable through progress_done
            return self.async_abort(reason="unknown_device")
        result = await self._async_finish(pairing.secret_key, pairing.fingerprint)
        self.hass.data.get(ACKNOWLEDGED_KEYS, {}).pop(fallback_unique_id(self._data), None)
        return result

    @callback
    def _async_show_address(
        self, errors: dict[str, str], defaults: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Show the address form again (network or serial), filled in, with errors."""
        if CONF_SERIAL_URL in defaults:
            return self.async_show_form(
                step_id="serial", data_schema=_serial_schema(defaults), errors=errors
            )
        return self.async_show_form(
            step_id="network", data_schema=_network_schema(defaults), errors=errors
        )

    async def async_step_migrate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take over a thermostat from Home Assistant's trane integration, key and all."""
        entries = {entry.entry_id: entry for entry in self._trane_entries()}
        errors: dict[str, str] = {}
        if user_input is not None:
            old = entries[user_input[CONF_ENTRY]]
            self._data = {CONF_HOST: old.data[CONF_HOST], CONF_PORT: DEFAULT_PORT}
            self._async_abort_entries_match({CONF_HOST: old.data[CONF_HOST]})
            key = old.data[CONF_SECRET_KEY]
            if not valid_host(old.data[CONF_HOST]):
                errors["base"] = "invalid_host"
            elif error := await self._async_check_key(self._data, key):
                errors["base"] = error
            else:
                self._take_over = old
                return await self._async_finish(key)
        options = [
            SelectOptionDict(value=entry_id, label=e.title) for entry_id, e in entries.items()
        ]
        return self.async_show_form(
            step_id="migrate",
            data_schema=vol.Schema(
                {vol.Required(CONF_ENTRY): SelectSelector(SelectSelectorConfig(options=options))}
            ),
            errors=errors,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Follow a known thermostat to its new IP; offer an unknown one that answers on 7878.

        The manifest matches Trane's MAC prefix (00:02:31, which Nexia bridges share) and the
        devices of entries (``registered_devices``). A known thermostat is followed without a
        flow and without setting the flow's unique id, so Home Assistant stores no discovery
        key (the MAC) on its entry. Anything else is asked for the thermostat's TLS service
        first, and the flow aborts quietly when nothing answers.
        """
        mac = format_mac(discovery_info.macaddress)
        host = discovery_info.ip
        if (entry := self._known_entry(mac, None)) is not None:
            return self._async_follow(entry, {CONF_HOST: host})
        # A device the user ignored, or one being added already, is not asked again.
        await self.async_set_unique_id(mac)
        self._abort_if_unique_id_configured()
        fingerprint = await self._async_tls_fingerprint(host)
        if fingerprint is None:
            return self.async_abort(reason="not_thermostat")
        if (entry := self._known_entry(None, fingerprint)) is not None:
            return self._async_follow(entry, {CONF_HOST: host, CONF_PORT: DISCOVERY_PORT})
        self._discovered_mac = mac
        self._data = {CONF_HOST: host, CONF_PORT: DISCOVERY_PORT}
        self.context["title_placeholders"] = {"name": new_title(self.hass)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm the thermostat found on the network: pair now or enter a key."""
        return self.async_show_menu(step_id="discovery_confirm", menu_options=["pair", "key"])

    async def _async_tls_fingerprint(self, host: str) -> str | None:
        """Return the certificate fingerprint of the thermostat's TLS service at host, if any."""
        transport = TlsTransport(host, DISCOVERY_PORT, connect_timeout=DISCOVERY_TIMEOUT)
        transport.name = LOG_NAME
        try:
            link = await transport.connect()
        except SteamloopError as err:
            LOGGER.debug("Not a thermostat: %s", err)
            return None
        await link.close()
        return normal_fingerprint(link.peer_fingerprint)

    def _known_entry(self, mac: str | None, fingerprint: str | None) -> ConfigEntry | None:
        """Return the entry of this thermostat: by its MAC, or by the certificate it presents."""
        fingerprint = normal_fingerprint(fingerprint)
        for entry in self._async_current_entries(include_ignore=False):
            if mac is not None and entry.unique_id == mac:
                return entry
            pinned = normal_fingerprint(entry.data.get(CONF_FINGERPRINT))
            if fingerprint is not None and fingerprint in (entry.unique_id, pinned):
                return entry
        return None

    @callback
    def _async_follow(self, entry: ConfigEntry, updates: Mapping[str, Any]) -> ConfigFlowResult:
        """Update a known thermostat's entry (its old address remembered), reload it, abort."""
        data = moved(entry.data, updates)
        if data != entry.data:
            self.hass.config_entries.async_update_entry(entry, data=data)
            if entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY):
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason="already_configured")

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start over the key when the thermostat rejected it."""
        self._data = {
            key: entry_data[key]
            for key in (CONF_HOST, CONF_PORT, CONF_SERIAL_URL)
            if key in entry_data
        }
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer pairing again or entering a key."""
        return self.async_show_menu(
            step_id="reauth_confirm",
            menu_options=["pair", "key"],
            description_placeholders={"title": self._get_reauth_entry().title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change where the thermostat is, refusing a different thermostat."""
        entry = self._get_reconfigure_entry()
        serial = CONF_SERIAL_URL in entry.data
        errors: dict[str, str] = {}
        if user_input is not None:
            if serial:
                new = {CONF_SERIAL_URL: user_input[CONF_SERIAL_URL].strip()}
            else:
                new = {CONF_HOST: user_input[CONF_HOST].strip(), CONF_PORT: user_input[CONF_PORT]}
            data = {**entry.data, **new}
            if CONF_HOST in new and not valid_host(new[CONF_HOST]):
                errors[CONF_HOST] = "invalid_host"
            elif error := await self._async_check_key(data, entry.data[CONF_SECRET_KEY]):
                # A thermostat that refuses this entry's key is another one, or this one reset:
                # "pair again" would be wrong advice for the first.
                errors["base"] = "other_thermostat" if error == "invalid_auth" else error
            elif (reason := await self._async_different_thermostat(entry, data)) is not None:
                # Another thermostat answers, or one another entry already holds.
                errors["base"] = reason
            else:
                return self.async_update_reload_and_abort(entry, data=moved(entry.data, new))
        shown = user_input or entry.data
        schema = _serial_schema(shown) if serial else _network_schema(shown)
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    def _trane_entries(self) -> list[ConfigEntry]:
        return self.hass.config_entries.async_entries(TRANE_DOMAIN)

    async def _async_check_key(self, data: Mapping[str, Any], key: str) -> str | None:
        """Log in once; return an error key, or None when the key works."""
        try:
            result = await probe(build_transport(data, name=LOG_NAME), key, timeout=PROBE_TIMEOUT)
        except AuthenticationError:
            return "invalid_auth"
        except SteamloopError as err:
            LOGGER.debug("Checking the key failed: %s", err)
            return "cannot_connect"
        self._fingerprint = result.fingerprint
        return None

    async def _async_mac(self, data: Mapping[str, Any]) -> str | None:
        """Return the thermostat's MAC: the one DHCP gave, or the neighbour table's."""
        if self._discovered_mac is not None:
            return self._discovered_mac
        if CONF_HOST in data:
            return await async_learn_mac(self.hass, data[CONF_HOST])
        return None

    async def _async_different_thermostat(
        self, entry: ConfigEntry, data: Mapping[str, Any], *, check_certificate: bool = True
    ) -> str | None:
        """Return why the new address is refused: another thermostat, or another entry's."""
        mac = await self._async_mac(data)
        if mac is not None and is_mac(entry.unique_id):
            return "wrong_device" if entry.unique_id != mac else None
        pinned = normal_fingerprint(entry.data.get(CONF_FINGERPRINT))
        seen = normal_fingerprint(self._fingerprint)
        if check_certificate and pinned and seen and pinned != seen:
            return "wrong_device"
        other = self._known_entry(mac, self._fingerprint)
        if other is not None and other.entry_id != entry.entry_id:
            # The address answers as a thermostat another entry holds.
            return "already_configured"
        return None

    async def _async_finish(self, key: str, fingerprint: str | None = None) -> ConfigFlowResult:
        """Create the entry, or update it when re-authenticating."""
        credentials = {CONF_SECRET_KEY: key, CONF_FINGERPRINT: fingerprint or self._fingerprint}
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
            self._fingerprint = credentials[CONF_FINGERPRINT]
            # After the repair's "pair again" a new certificate is what the user expects.
            expected_new = (
                ir.async_get(self.hass).async_get_issue(DOMAIN, certificate_issue_id(entry))
                is not None
            )
            if reason := await self._async_different_thermostat(
                entry, entry.data, check_certificate=not expected_new
            ):
                return self.async_abort(reason=reason)
            return self.async_update_reload_and_abort(entry, data_updates=credentials)
        data = {**self._data, **credentials}
        mac = await self._async_mac(data)
        fingerprint = credentials[CONF_FINGERPRINT]
        if (known := self._known_entry(mac, fingerprint)) is not None:
            # The same thermostat, found again by what it is: it moved, or got a new key.
            return self._async_follow(known, data)
        await self.async_set_unique_id(new_unique_id(mac, fingerprint), raise_on_progress=False)
        self._abort_if_unique_id_configured()
        title = new_title(self.hass)
        if (old := self._take_over) is not None:
            plan = plan_take_over(self.hass, old, self.unique_id or "")
            return self.async_create_entry(
                title=title,
                data={**data, CONF_TAKE_OVER: old.entry_id},
                description="migrated",
                description_placeholders={
                    "title": old.title,
                    "kept": plan.kept_text(),
                    "renamed": plan.renamed_text(),
                },
            )
        return self.async_create_entry(title=title, data=data)


# Range and whole degrees are checked by the flow itself, so every mistake gets a translated error.
def presets_schema(unit: str) -> vol.Schema:
    """Return the presets' form in the user's unit: whole °F, or °C in half degrees."""
    selector = NumberSelector(
        NumberSelectorConfig(
            mode=NumberSelectorMode.BOX,
            step=1 if unit == UnitOfTemperature.FAHRENHEIT else 0.5,
            unit_of_measurement=unit,
        )
    )
    return vol.Schema(
        {
            vol.Required(option_key(preset, side)): selector
            for preset in PRESETS
            for side in ("heat", "cool")
        }
    )


def _preset_errors(
    user_input: Mapping[str, float], deadband: float, duplicates: list[tuple[str, str]]
) -> dict[str, str]:
    """Return the form's errors: whole degrees in range, the deadband kept, no two pairs alike.

    Each two presets holding the same pair are appended to `duplicates`, first found first.
    """
    errors: dict[str, str] = {}
    for key, value in user_input.items():
        if value != int(value):
            errors[key] = "whole_degrees"
        elif not SETPOINT_MIN <= value <= SETPOINT_MAX:
            errors[key] = "out_of_range"
    pairs: dict[tuple[float, float], str] = {}
    for preset in PRESETS:
        heat_key, cool_key = option_key(preset, "heat"), option_key(preset, "cool")
        pair = (user_input[heat_key], user_input[cool_key])
        if heat_key in errors or cool_key in errors:
            continue
        if pair[1] - pair[0] < deadband:
            errors[cool_key] = "deadband"
        elif pair in pairs:
            duplicates.append((pairs[pair], preset))
            errors["base"] = "duplicate_presets"
        pairs.setdefault(pair, preset)
    return errors


class SteamloopOptionsFlow(OptionsFlow):
    """Set the heat/cool pair each preset holds."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the pairs in the user's unit; save them in whole °F once they keep the deadband."""
        deadband = self._deadband()
        unit = self.hass.config.units.temperature_unit
        errors: dict[str, str] = {}
        duplicates: list[tuple[str, str]] = []
        if user_input is not None:
            fahrenheit = {key: to_fahrenheit(value, unit) for key, value in user_input.items()}
            if not (errors := _preset_errors(fahrenheit, deadband, duplicates)):
                return self.async_create_entry(
                    data={key: int(value) for key, value in fahrenheit.items()}
                )
            shown: Mapping[str, Any] = user_input
        else:
            shown = {
                option_key(preset, side): to_user(value, unit)
                for preset, pair in presets_from_options(self.config_entry.options).items()
                for side, value in pair._asdict().items()
            }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(presets_schema(unit), shown),
            errors=errors,
            description_placeholders={
                "deadband": f"{to_user_interval(deadband, unit):g}",
                "min": f"{to_user(SETPOINT_MIN, unit):g}",
                "max": f"{to_user(SETPOINT_MAX, unit):g}",
                "unit": unit,
                **await self._preset_names(duplicates),
            },
        )

    async def _preset_names(self, duplicates: list[tuple[str, str]]) -> dict[str, str]:
        """Return the two presets alike, named as the climate dialog names them."""
        if not duplicates:
            return {}
        names = await translation.async_get_translations(
            self.hass, self.hass.config.language, "entity", [DOMAIN]
        )
        prefix = f"component.{DOMAIN}.entity.climate.zone.state_attributes.preset_mode.state."
        first, second = (names.get(prefix + preset, preset) for preset in duplicates[0])
        return {"first": first, "second": second}

    def _deadband(self) -> float:
        """Return the widest deadband the zones reported, or the usual one before they did."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return DEFAULT_DEADBAND
        deadbands = [
            zone.deadband
            for zone in entry.runtime_data.data.zones.values()
            if zone.deadband is not None
        ]
        return max(deadbands, default=DEFAULT_DEADBAND)
