"""Config flow: network or serial, then pair now or enter a key; migration, reauth, reconfigure.

Steps hand each other values explicitly: a check returns what it learnt (`Credentials`), and a
helper takes what it needs as arguments. The flow's own fields are only what it carries from one
step to a later one (listed in `__init__`). The pairing step's side machinery (kept keys, ticks,
the late announcement) is in flow_pairing.py. The options flow sets the presets' heat/cool pairs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
from homeassistant.core import callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import translation
from homeassistant.helpers.device_registry import format_mac
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

from .client import (
    AuthenticationError,
    PairingError,
    PairingTimeoutError,
    SteamloopError,
    TlsTransport,
    probe,
)
from .client.pairing import PAIRING_TIMEOUT, PROBE_TIMEOUT
from .compat import vol
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    CONF_TAKE_OVER,
    DEFAULT_PORT,
    DOMAIN,
    LOGGER,
    TRANE_DOMAIN,
)
from .flow_pairing import LOG_NAME, LateAnnouncer, PairingWait, async_forget_key
from .helpers import async_learn_mac, build_transport, valid_host
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
from .repairs import has_certificate_issue
from .takeover import plan_take_over

CONF_ENTRY = "entry"
CONF_NEXT = "next"
PAIR_PATH = "Menu > Settings > Network > Advanced Setup > Remote Connection > Pair"

# Where a DHCP-discovered device is asked whether it is a thermostat (tests point it elsewhere).
DISCOVERY_PORT = DEFAULT_PORT
# How long that question may take: a TLS handshake, no login.
DISCOVERY_TIMEOUT = 10.0

# Optional to the frontend, so a blank key (empty or spaces alike) gets the flow's one message.
KEY_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_SECRET_KEY, default=""): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        )
    }
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """A key the thermostat took (or handed out), and the certificate it presented then."""

    secret_key: str
    fingerprint: str | None

    def as_data(self) -> dict[str, Any]:
        """Return what an entry stores of them: the key, and the certificate pinned."""
        return {CONF_SECRET_KEY: self.secret_key, CONF_FINGERPRINT: self.fingerprint}


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


async def _async_check_key(data: Mapping[str, Any], key: str) -> Credentials | str:
    """Log in once: the key and the certificate that took it, or an error key saying why not."""
    try:
        result = await probe(build_transport(data, name=LOG_NAME), key, timeout=PROBE_TIMEOUT)
    except AuthenticationError:
        return "invalid_auth"
    except SteamloopError as err:
        LOGGER.debug("Checking the key failed: %s", err)
        return "cannot_connect"
    return Credentials(key, result.fingerprint)


async def _async_tls_fingerprint(host: str, port: int) -> str | None:
    """Return the certificate fingerprint of a TLS service at host:port, or None if none answers."""
    transport = TlsTransport(host, port, connect_timeout=DISCOVERY_TIMEOUT)
    transport.name = LOG_NAME
    try:
        link = await transport.connect()
    except SteamloopError as err:
        LOGGER.debug("Not a thermostat: %s", err)
        return None
    await link.close()
    return normal_fingerprint(link.peer_fingerprint)


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
        """Initialise an empty flow: only what a step hands a later one is kept here."""
        # Where the thermostat is (host and port, or a serial URL), from the step that learnt it.
        self._data: dict[str, Any] = {}
        # The MAC a DHCP packet gave, the thermostat's unique id once the entry is made.
        self._discovered_mac: str | None = None
        # What the user typed in the key form, offered again when the form comes back.
        self._typed_key = ""
        # The pairing under way, shown by the progress step each time the dialog fetches it ...
        self._pairing: PairingWait | None = None
        # ... and what it gave, for the step after the progress: the key, or why there is none.
        self._paired: Credentials | None = None
        self._pair_error = "pair_timeout"
        # Announces the progress' end again to a dialog that subscribed too late to see it.
        self._announcer: LateAnnouncer | None = None

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
            elif isinstance(checked := await _async_check_key(self._data, key), Credentials):
                return await self._async_finish(checked)
            elif checked == "cannot_connect" and self.source != SOURCE_REAUTH:
                return self._async_show_address({"base": checked}, self._data)
            elif checked == "invalid_auth":
                return self._async_show_key_rejected()
            else:
                errors["base"] = checked
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
        if self._pairing is None:
            self._pairing = PairingWait(self.hass, self._data, PAIRING_TIMEOUT, self._async_tick)
        wait = self._pairing
        if not wait.task.done():
            return self.async_show_progress(
                step_id="pair",
                progress_action=wait.action(),
                progress_task=wait.task,
                description_placeholders={
                    "path": PAIR_PATH,
                    "timeout": str(int(PAIRING_TIMEOUT)),
                    "remaining": str(wait.remaining()),
                },
            )
        wait.async_stop()
        self._pairing = None
        next_step = "pair_failed"
        try:
            result = wait.task.result()
        except PairingTimeoutError:
            self._pair_error = "pair_timeout"
        except PairingError:
            self._pair_error = "pair_refused"
        except SteamloopError as err:
            LOGGER.debug("Pairing failed: %s", err)
            self._pair_error = "cannot_connect"
        else:
            self._paired = Credentials(result.secret_key, result.fingerprint)
            next_step = "pair_finish"
        self._async_stop_announcing()
        self._announcer = LateAnnouncer(self.hass, self.async_notify_flow_changed)
        return self.async_show_progress_done(next_step_id=next_step)

    @callback
    def _async_tick(self, progress: float) -> None:
        """Have the dialog fetch the progress again: its time left and the thermostat's answer."""
        self.async_update_progress(progress)
        self.async_notify_flow_changed()

    @callback
    def _async_stop_announcing(self) -> None:
        if self._announcer is not None:
            self._announcer.async_stop()
            self._announcer = None

    @callback
    def async_remove(self) -> None:
        """Stop announcing and ticking when the dialog is closed."""
        self._async_stop_announcing()
        if self._pairing is not None:
            self._pairing.async_stop()

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
        paired = self._paired
        if paired is None:  # pragma: no cover - only reachable through progress_done
            return self.async_abort(reason="unknown_device")
        result = await self._async_finish(paired)
        async_forget_key(self.hass, self._data)
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
            if not valid_host(old.data[CONF_HOST]):
                errors["base"] = "invalid_host"
            elif isinstance(
                checked := await _async_check_key(self._data, old.data[CONF_SECRET_KEY]), str
            ):
                errors["base"] = checked
            else:
                return await self._async_finish(checked, take_over=old)
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
        fingerprint = await _async_tls_fingerprint(host, DISCOVERY_PORT)
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
            elif isinstance(
                checked := await _async_check_key(data, entry.data[CONF_SECRET_KEY]), str
            ):
                # A thermostat that refuses this entry's key is another one, or this one reset:
                # "pair again" would be wrong advice for the first.
                errors["base"] = "other_thermostat" if checked == "invalid_auth" else checked
            elif reason := await self._async_different_thermostat(entry, data, checked.fingerprint):
                # Another thermostat answers, or one another entry already holds.
                errors["base"] = reason
            else:
                return self.async_update_reload_and_abort(entry, data=moved(entry.data, new))
        shown = user_input or entry.data
        schema = _serial_schema(shown) if serial else _network_schema(shown)
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    def _trane_entries(self) -> list[ConfigEntry]:
        return self.hass.config_entries.async_entries(TRANE_DOMAIN)

    async def _async_mac(self, data: Mapping[str, Any]) -> str | None:
        """Return the thermostat's MAC: the one DHCP gave, or the neighbour table's."""
        if self._discovered_mac is not None:
            return self._discovered_mac
        if CONF_HOST in data:
            return await async_learn_mac(self.hass, data[CONF_HOST])
        return None

    async def _async_different_thermostat(
        self,
        entry: ConfigEntry,
        data: Mapping[str, Any],
        fingerprint: str | None,
        *,
        check_certificate: bool = True,
    ) -> str | None:
        """Return why the thermostat at `data`, presenting `fingerprint`, is not `entry`'s.

        Another thermostat ("wrong_device"), or one another entry holds ("already_configured").
        """
        mac = await self._async_mac(data)
        if mac is not None and is_mac(entry.unique_id):
            return "wrong_device" if entry.unique_id != mac else None
        pinned = normal_fingerprint(entry.data.get(CONF_FINGERPRINT))
        seen = normal_fingerprint(fingerprint)
        if check_certificate and pinned and seen and pinned != seen:
            return "wrong_device"
        other = self._known_entry(mac, fingerprint)
        if other is not None and other.entry_id != entry.entry_id:
            # The address answers as a thermostat another entry holds.
            return "already_configured"
        return None

    async def _async_finish(
        self, credentials: Credentials, *, take_over: ConfigEntry | None = None
    ) -> ConfigFlowResult:
        """Create the entry (taking over `take_over`, a trane entry), or update it on reauth."""
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
            # After the repair's "pair again" a new certificate is what the user expects.
            if reason := await self._async_different_thermostat(
                entry,
                entry.data,
                credentials.fingerprint,
                check_certificate=not has_certificate_issue(self.hass, entry),
            ):
                return self.async_abort(reason=reason)
            return self.async_update_reload_and_abort(entry, data_updates=credentials.as_data())
        data = {**self._data, **credentials.as_data()}
        mac = await self._async_mac(data)
        if (known := self._known_entry(mac, credentials.fingerprint)) is not None:
            # The same thermostat, found again by what it is: it moved, or got a new key.
            return self._async_follow(known, data)
        await self.async_set_unique_id(
            new_unique_id(mac, credentials.fingerprint), raise_on_progress=False
        )
        self._abort_if_unique_id_configured()
        title = new_title(self.hass)
        if take_over is not None:
            plan = plan_take_over(self.hass, take_over, self.unique_id or "")
            return self.async_create_entry(
                title=title,
                data={**data, CONF_TAKE_OVER: take_over.entry_id},
                description="migrated",
                description_placeholders={
                    "title": take_over.title,
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
