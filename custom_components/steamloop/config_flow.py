"""Config flow: network or serial, then pair now or enter a key; migration, reauth, reconfigure.

The options flow sets the presets' heat/cool pairs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import probatio as vol
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
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

from .client import (
    AuthenticationError,
    PairingError,
    PairingResult,
    PairingTimeoutError,
    SteamloopError,
    pair,
    probe,
)
from .const import (
    CONF_FINGERPRINT,
    CONF_SECRET_KEY,
    CONF_SERIAL_URL,
    DEFAULT_PORT,
    DOMAIN,
    ISSUE_CERTIFICATE_CHANGED,
    LOGGER,
    PAIRING_TIMEOUT,
    PROBE_TIMEOUT,
    TRANE_DOMAIN,
)
from .helpers import async_learn_mac, build_transport, fallback_unique_id, is_mac
from .presets import (
    DEFAULT_DEADBAND,
    PRESETS,
    SETPOINT_MAX,
    SETPOINT_MIN,
    option_key,
    presets_from_options,
)

CONF_ENTRY = "entry"
PAIR_PATH = "Menu > Settings > Network > Advanced Setup > Remote Connection > Pair"

KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SECRET_KEY): TextSelector(
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


def _title(data: Mapping[str, Any]) -> str:
    return f"Thermostat {data.get(CONF_SERIAL_URL) or data[CONF_HOST]}"


class SteamloopConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a thermostat: where it is, then how to get its key."""

    VERSION = 1

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
        self._migrated_from: str | None = None
        # The certificate fingerprint seen by the last successful key check.
        self._fingerprint: str | None = None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask how the thermostat is connected, or offer to take over a trane entry."""
        options = ["network", "serial"]
        if self._trane_entries():
            options.append("migrate")
        return self.async_show_menu(step_id="user", menu_options=options)

    async def async_step_network(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the thermostat's address."""
        if user_input is not None:
            self._data = {
                CONF_HOST: user_input[CONF_HOST].strip(),
                CONF_PORT: user_input[CONF_PORT],
            }
            self._async_abort_entries_match({CONF_HOST: self._data[CONF_HOST]})
            return await self.async_step_credentials()
        return self.async_show_form(step_id="network", data_schema=_network_schema({}))

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
            key = user_input[CONF_SECRET_KEY].strip()
            if error := await self._async_check_key(self._data, key):
                errors["base"] = error
            else:
                return await self._async_finish(key)
        return self.async_show_form(step_id="key", data_schema=KEY_SCHEMA, errors=errors)

    async def async_step_pair(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Wait for the user to press Pair on the thermostat."""
        if self._pair_task is None:
            # Closing the dialog cancels this task; pair() is cancel-safe and closes its socket.
            self._pair_task = self.hass.async_create_task(
                pair(build_transport(self._data), timeout=PAIRING_TIMEOUT), eager_start=False
            )
        if not self._pair_task.done():
            return self.async_show_progress(
                step_id="pair",
                progress_action="pair",
                progress_task=self._pair_task,
                description_placeholders={
                    "path": PAIR_PATH,
                    "timeout": str(int(PAIRING_TIMEOUT)),
                },
            )
        task, self._pair_task = self._pair_task, None
        try:
            self._pairing = task.result()
        except PairingTimeoutError:
            self._pair_error = "pair_timeout"
        except PairingError:
            self._pair_error = "pair_refused"
        except SteamloopError as err:
            LOGGER.debug("Pairing with %s failed: %s", _title(self._data), err)
            self._pair_error = "cannot_connect"
        else:
            return self.async_show_progress_done(next_step_id="pair_finish")
        return self.async_show_progress_done(next_step_id="pair_failed")

    async def async_step_pair_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say why pairing failed; submitting tries again."""
        if user_input is not None:
            return await self.async_step_pair()
        return self.async_show_form(
            step_id="pair_failed",
            errors={"base": self._pair_error},
            description_placeholders={"path": PAIR_PATH},
        )

    async def async_step_pair_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Store the key the thermostat handed out."""
        pairing = self._pairing
        if pairing is None:  # pragma: no cover - only reachable through progress_done
            return self.async_abort(reason="unknown_device")
        return await self._async_finish(pairing.secret_key, pairing.fingerprint)

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
            if error := await self._async_check_key(self._data, key):
                errors["base"] = error
            else:
                self._migrated_from = old.title
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
        """Follow a known thermostat to its new IP address."""
        await self.async_set_unique_id(format_mac(discovery_info.macaddress))
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        return self.async_abort(reason="unknown_device")

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
            if error := await self._async_check_key(data, entry.data[CONF_SECRET_KEY]):
                errors["base"] = error
            else:
                if (reason := await self._async_different_thermostat(entry, data)) is not None:
                    return self.async_abort(reason=reason)
                return self.async_update_reload_and_abort(entry, data_updates=new)
        schema = _serial_schema(entry.data) if serial else _network_schema(entry.data)
        return self.async_show_form(step_id="reconfigure", data_schema=schema, errors=errors)

    def _trane_entries(self) -> list[ConfigEntry]:
        return self.hass.config_entries.async_entries(TRANE_DOMAIN)

    async def _async_check_key(self, data: Mapping[str, Any], key: str) -> str | None:
        """Log in once; return an error key, or None when the key works."""
        try:
            result = await probe(build_transport(data), key, timeout=PROBE_TIMEOUT)
        except AuthenticationError:
            return "invalid_auth"
        except SteamloopError as err:
            LOGGER.debug("Could not reach %s: %s", _title(data), err)
            return "cannot_connect"
        self._fingerprint = result.fingerprint
        return None

    async def _async_unique_id(self, data: Mapping[str, Any]) -> str:
        """Return the thermostat's MAC when we can learn it, else the documented fallback."""
        if CONF_HOST in data and (mac := await async_learn_mac(self.hass, data[CONF_HOST])):
            return mac
        return fallback_unique_id(data)

    async def _async_different_thermostat(
        self, entry: ConfigEntry, data: Mapping[str, Any], *, check_certificate: bool = True
    ) -> str | None:
        """Return an abort reason when the new address answers as another thermostat."""
        if CONF_HOST in data and (mac := await async_learn_mac(self.hass, data[CONF_HOST])):
            if entry.unique_id != mac and is_mac(entry.unique_id):
                return "wrong_device"
            return None
        pinned = entry.data.get(CONF_FINGERPRINT)
        if check_certificate and pinned and self._fingerprint and pinned != self._fingerprint:
            return "wrong_device"
        return None

    async def _async_finish(self, key: str, fingerprint: str | None = None) -> ConfigFlowResult:
        """Create the entry, or update it when re-authenticating."""
        credentials = {CONF_SECRET_KEY: key, CONF_FINGERPRINT: fingerprint or self._fingerprint}
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
            self._fingerprint = credentials[CONF_FINGERPRINT]
            # After the repair's "pair again" a new certificate is what the user expects.
            expected_new = (
                ir.async_get(self.hass).async_get_issue(
                    DOMAIN, f"{ISSUE_CERTIFICATE_CHANGED}_{entry.entry_id}"
                )
                is not None
            )
            if reason := await self._async_different_thermostat(
                entry, entry.data, check_certificate=not expected_new
            ):
                return self.async_abort(reason=reason)
            return self.async_update_reload_and_abort(entry, data_updates=credentials)
        data = {**self._data, **credentials}
        await self.async_set_unique_id(await self._async_unique_id(data))
        self._abort_if_unique_id_configured(
            updates={k: data[k] for k in (CONF_HOST, CONF_PORT, CONF_SERIAL_URL) if k in data}
        )
        if self._migrated_from is not None:
            return self.async_create_entry(
                title=_title(data),
                data=data,
                description="migrated",
                description_placeholders={"title": self._migrated_from},
            )
        return self.async_create_entry(title=_title(data), data=data)


# Range and whole degrees are checked by the flow itself, so every mistake gets a translated error.
_SETPOINT_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        mode=NumberSelectorMode.BOX, step=1, unit_of_measurement=UnitOfTemperature.FAHRENHEIT
    )
)
PRESETS_SCHEMA = vol.Schema(
    {
        vol.Required(option_key(preset, side)): _SETPOINT_SELECTOR
        for preset in PRESETS
        for side in ("heat", "cool")
    }
)


def _preset_errors(user_input: Mapping[str, float], deadband: float) -> dict[str, str]:
    """Return the form's errors: whole degrees in range, the deadband kept, no two pairs alike."""
    errors: dict[str, str] = {}
    for key, value in user_input.items():
        if value != int(value):
            errors[key] = "whole_degrees"
        elif not SETPOINT_MIN <= value <= SETPOINT_MAX:
            errors[key] = "out_of_range"
    pairs: set[tuple[float, float]] = set()
    for preset in PRESETS:
        heat_key, cool_key = option_key(preset, "heat"), option_key(preset, "cool")
        pair = (user_input[heat_key], user_input[cool_key])
        if heat_key in errors or cool_key in errors:
            continue
        if pair[1] - pair[0] < deadband:
            errors[cool_key] = "deadband"
        elif pair in pairs:
            errors["base"] = "duplicate_presets"
        pairs.add(pair)
    return errors


class SteamloopOptionsFlow(OptionsFlow):
    """Set the heat/cool pair each preset holds."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the pairs, and save them once they are whole degrees that keep the deadband."""
        deadband = self._deadband()
        errors: dict[str, str] = {}
        if user_input is not None:
            if not (errors := _preset_errors(user_input, deadband)):
                return self.async_create_entry(
                    data={key: int(value) for key, value in user_input.items()}
                )
            shown: Mapping[str, Any] = user_input
        else:
            shown = {
                option_key(preset, side): value
                for preset, pair in presets_from_options(self.config_entry.options).items()
                for side, value in pair._asdict().items()
            }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(PRESETS_SCHEMA, shown),
            errors=errors,
            description_placeholders={
                "deadband": f"{deadband:g}",
                "min": str(SETPOINT_MIN),
                "max": str(SETPOINT_MAX),
            },
        )

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
