"""One climate entity per zone."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.climate import ClimateEntity, ClimateEntityDescription
from homeassistant.components.climate.const import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    FAN_AUTO,
    FAN_ON,
    PRESET_NONE,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_TENTHS, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import (
    SETPOINT_MAX,
    SETPOINT_MIN,
    FanMode,
    HoldType,
    SystemField,
    ZoneMode,
    ZoneRequest,
    zone_action,
)
from .compat import native_climate_temperatures
from .const import DOMAIN
from .coordinator import SteamloopConfigEntry, SteamloopCoordinator
from .entity import (
    SteamloopEntity,
    SteamloopEntityDescription,
    StructureField,
    ZoneField,
    async_add_described_entities,
)
from .helpers import steamloop_action
from .presets import PRESETS, Setpoints, preset_of, presets_from_options

# Actions are not limited by Home Assistant: the client runs those of one zone in order and lets
# other zones go on meanwhile (each waits for the thermostat's report, up to a few seconds).
PARALLEL_UPDATES = 0

FAN_CIRCULATE = "circulate"
FAN_MODES = {FanMode.AUTO: FAN_AUTO, FanMode.ALWAYS_ON: FAN_ON, FanMode.CIRCULATE: FAN_CIRCULATE}
FAN_MODES_REVERSE = {value: key for key, value in FAN_MODES.items()}
SINGLE_MODES = {
    ZoneMode.OFF: HVACMode.OFF,
    ZoneMode.COOL: HVACMode.COOL,
    ZoneMode.HEAT: HVACMode.HEAT,
}
_ZONE_MODES = {
    HVACMode.OFF: ZoneMode.OFF,
    HVACMode.COOL: ZoneMode.COOL,
    HVACMode.HEAT: ZoneMode.HEAT,
    HVACMode.AUTO: ZoneMode.AUTO,
    HVACMode.HEAT_COOL: ZoneMode.AUTO,
}
BASE_FEATURES = (
    ClimateEntityFeature.FAN_MODE
    | ClimateEntityFeature.TURN_ON
    | ClimateEntityFeature.TURN_OFF
    | ClimateEntityFeature.PRESET_MODE
)


@dataclass(frozen=True, kw_only=True)
class SteamloopClimateDescription(ClimateEntityDescription, SteamloopEntityDescription):
    """A zone's climate entity: what it reads, once."""


CLIMATES = (
    SteamloopClimateDescription(
        key="climate",
        name=None,
        translation_key="zone",
        reads=frozenset(
            {
                ZoneField.MODE,
                ZoneField.HOLD_TYPE,
                ZoneField.INDOOR_TEMPERATURE,
                ZoneField.HEAT_SETPOINT,
                ZoneField.COOL_SETPOINT,
                SystemField.SUPPORTED_MODES,
                SystemField.FAN_MODE,
                SystemField.RELATIVE_HUMIDITY,
                SystemField.COOLING,
                SystemField.HEATING,
                StructureField.ZONE_COUNT,
            }
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SteamloopConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a climate entity for every zone, now and whenever one appears."""
    async_add_described_entities(entry, async_add_entities, CLIMATES, SteamloopClimate)


@native_climate_temperatures
class SteamloopClimate(SteamloopEntity, ClimateEntity):
    """A zone's heating and cooling."""

    entity_description: SteamloopClimateDescription
    zone_id: str
    _attr_native_temperature_unit = UnitOfTemperature.FAHRENHEIT
    # Tenths, as the zone's temperature sensor shows them: 70.5 °F reads 70.5 on both, never 70
    # on one and 71 on the other. Setpoints are whole degrees (the step), sent as shown.
    _attr_precision = PRECISION_TENTHS
    # What the thermostat accepts, from the client's rules (the one home of the range).
    _attr_min_temp = float(SETPOINT_MIN)
    _attr_max_temp = float(SETPOINT_MAX)
    _attr_target_temperature_step = 1.0
    _attr_fan_modes = list(FAN_MODES.values())
    _attr_preset_modes = [*PRESETS, PRESET_NONE]

    def __init__(
        self,
        coordinator: SteamloopCoordinator,
        description: SteamloopClimateDescription,
        zone_id: str | None,
    ) -> None:
        """Initialise the zone's climate entity."""
        super().__init__(coordinator, description, zone_id)
        self._calling: bool | None = None

    async def async_added_to_hass(self) -> None:
        """Also show new preset pairs as soon as the user saves them in the options."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.config_entry.add_update_listener(self._async_entry_updated)
        )

    async def _async_entry_updated(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self.async_write_ha_state()

    @property
    def _presets(self) -> dict[str, Setpoints]:
        return presets_from_options(self.coordinator.config_entry.options)

    @property
    def _range_mode(self) -> bool:
        """Return True when the zone holds a low/high range (auto modes)."""
        return self.zone.mode is ZoneMode.AUTO

    @property
    def supported_features(self) -> ClimateEntityFeature:
        """Return a single target in heat/cool and a range in the auto modes; off has no preset."""
        if self.zone.mode is ZoneMode.OFF:
            return BASE_FEATURES & ~ClimateEntityFeature.PRESET_MODE
        if self._range_mode:
            return BASE_FEATURES | ClimateEntityFeature.TARGET_TEMPERATURE_RANGE
        return BASE_FEATURES | ClimateEntityFeature.TARGET_TEMPERATURE

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """Return the modes the thermostat reports as supported."""
        modes: list[HVACMode] = []
        for mode in self.thermostat.supported_modes:
            if mode is ZoneMode.AUTO:
                modes += [HVACMode.HEAT_COOL, HVACMode.AUTO]
            else:
                modes.append(SINGLE_MODES[mode])
        return modes

    @property
    def hvac_mode(self) -> HVACMode | None:
        """Return auto when following the schedule, heat_cool when holding a manual range."""
        mode = self.zone.mode
        if mode is None:
            return None
        if mode is ZoneMode.AUTO:
            return HVACMode.HEAT_COOL if self.zone.hold_type is HoldType.MANUAL else HVACMode.AUTO
        return SINGLE_MODES[mode]

    @property
    def hvac_action(self) -> HVACAction | None:
        """Return what this zone does: heating or cooling only while it is calling for it.

        The thermostat reports heating and cooling for the whole system; which zone calls is
        inferred (client/demand.py, with its hysteresis remembered here).
        """
        action, self._calling = zone_action(self.zone, self.thermostat, calling=self._calling)
        return None if action is None else HVACAction(action)

    @property
    def native_current_temperature(self) -> float | None:
        """Return the zone's temperature."""
        return self.zone.indoor_temperature

    @property
    def current_humidity(self) -> float | None:
        """Return the indoor humidity (one sensor for the whole system)."""
        return self.thermostat.relative_humidity

    @property
    def native_target_temperature(self) -> float | None:
        """Return the single target in heat or cool mode."""
        if self.zone.mode is ZoneMode.HEAT:
            return self.zone.heat_setpoint
        if self.zone.mode is ZoneMode.COOL:
            return self.zone.cool_setpoint
        return None

    @property
    def native_target_temperature_low(self) -> float | None:
        """Return the heating setpoint of the range."""
        return self.zone.heat_setpoint if self._range_mode else None

    @property
    def native_target_temperature_high(self) -> float | None:
        """Return the cooling setpoint of the range."""
        return self.zone.cool_setpoint if self._range_mode else None

    @property
    def fan_mode(self) -> str | None:
        """Return the system's fan mode."""
        fan = self.thermostat.fan_mode
        return None if fan is None else FAN_MODES[fan]

    @property
    def preset_mode(self) -> str | None:
        """Return the preset whose pair the zone holds permanently, none, or nothing when off."""
        if self.zone.mode is ZoneMode.OFF:
            return None
        return preset_of(self.zone, self._presets) or PRESET_NONE

    def _mode_request(self, hvac_mode: HVACMode) -> ZoneRequest:
        """Return what a mode asks: auto follows the schedule, heat_cool holds the range."""
        if hvac_mode not in self.hvac_modes:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_hvac_mode",
                translation_placeholders={"mode": hvac_mode},
            )
        if hvac_mode is HVACMode.AUTO:
            return ZoneRequest(mode=ZoneMode.AUTO, hold=HoldType.SCHEDULE)
        if hvac_mode is HVACMode.HEAT_COOL:
            return ZoneRequest(mode=ZoneMode.AUTO, hold=HoldType.MANUAL)
        return ZoneRequest(mode=_ZONE_MODES[hvac_mode])

    async def _change(self, request: ZoneRequest) -> None:
        """Send a request; return once the thermostat reported it (the entity written by then)."""
        await self.coordinator.supervisor.change_zone(self.zone_id, request)

    @steamloop_action
    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Set the zone's mode; auto follows the schedule, heat_cool holds the range."""
        await self._change(self._mode_request(hvac_mode))

    @steamloop_action
    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the single target (heat or cool), or the low/high range (auto modes).

        With an hvac_mode, the target is that of the new mode: heat 70 from cool sets the heating
        setpoint, in one action. The client's rules check everything before anything is sent.
        """
        hvac_mode: HVACMode | None = kwargs.get(ATTR_HVAC_MODE)
        target = kwargs.get(ATTR_TEMPERATURE)
        low = kwargs.get(ATTR_TARGET_TEMP_LOW)
        high = kwargs.get(ATTR_TARGET_TEMP_HIGH)
        request = ZoneRequest() if hvac_mode is None else self._mode_request(hvac_mode)
        if request.hold is HoldType.SCHEDULE and (target, low, high) != (None, None, None):
            # New setpoints in auto hold until the next period, as a nudge does.
            request = replace(request, hold=None)
        mode = self.zone.mode if request.mode is None else request.mode
        if (low is not None or high is not None) and mode is not ZoneMode.AUTO:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="range_needs_auto",
                translation_placeholders={"mode": hvac_mode or self.hvac_mode or "off"},
            )
        await self._change(replace(request, target=target, heat=low, cool=high))

    @steamloop_action
    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Hold the preset's pair permanently; none leaves a preset for the schedule."""
        if preset_mode == PRESET_NONE:
            # Only a preset is left: a permanent hold of the user's own setpoints is not ours.
            if self.preset_mode not in (PRESET_NONE, None):
                await self._change(ZoneRequest(hold=HoldType.SCHEDULE))
            return
        pair = self._presets[preset_mode]
        await self._change(ZoneRequest(heat=pair.heat, cool=pair.cool, hold=HoldType.MANUAL))

    @steamloop_action
    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Set the system's fan mode."""
        await self.coordinator.supervisor.set_fan_mode(FAN_MODES_REVERSE[fan_mode])

    async def async_turn_on(self) -> None:
        """Turn the zone on in auto when supported, otherwise in the first mode it has."""
        modes = [mode for mode in self.hvac_modes if mode is not HVACMode.OFF]
        if not modes:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unsupported_hvac_mode",
                translation_placeholders={"mode": HVACMode.AUTO},
            )
        await self.async_set_hvac_mode(HVACMode.AUTO if HVACMode.AUTO in modes else modes[0])

    async def async_turn_off(self) -> None:
        """Turn the zone off."""
        await self.async_set_hvac_mode(HVACMode.OFF)
