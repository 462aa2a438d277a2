"""Shared fixtures: the simulated thermostat, the test PKI, virtual time and a set-up entry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from enum import StrEnum
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util.read_only_dict import ReadOnlyDict
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.syrupy import (
    HomeAssistantSnapshotExtension,
    HomeAssistantSnapshotSerializer,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.types import SerializableData

import simulator.testing
from custom_components.steamloop.client import ClientIdentity, transport
from custom_components.steamloop.const import CONF_FINGERPRINT, CONF_SECRET_KEY, DOMAIN
from simulator import Simulator, TestPKI

from .virtual_time import Clock

KEY = "test-key"
MAC = "aa:bb:cc:dd:ee:ff"

# The simulator's fixtures: `pki` (one test CA per session) and `thermostat` (strict mode, two
# zones, key "test-key", on a free loopback port).
pki = simulator.testing.pki
simulator_factory = simulator.testing.simulator_factory
thermostat = simulator.testing.thermostat


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


def _plain_keys(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
    """Return the mapping with its StrEnum keys as the plain strings they stand for."""
    return {str(k) if isinstance(k, StrEnum) else k: v for k, v in mapping.items()}


class _SnapshotSerializer(HomeAssistantSnapshotSerializer):
    """Home Assistant's serializer, the same on every supported release.

    Each release's difference, so that one set of snapshots holds on every release:
    - 2026.7 keys capabilities and state attributes by StrEnum members (before: plain strings);
      the snapshots keep plain strings.
    - 2026.11 adds compat_name to registry entries and a climate state's temperature_unit (the
      unit the user displays); the snapshots leave them out, and test_entity.py asserts their
      values on the releases that have them.
    """

    @classmethod
    def _serializable_entity_registry_entry(cls, data: er.RegistryEntry) -> SerializableData:
        serialized = super()._serializable_entity_registry_entry(data)
        assert isinstance(serialized, dict)
        serialized.pop("compat_name", None)
        if isinstance(serialized.get("capabilities"), Mapping):
            serialized["capabilities"] = _plain_keys(serialized["capabilities"])
        return serialized

    @classmethod
    def _serializable_state(cls, data: State) -> SerializableData:
        serialized = super()._serializable_state(data)
        assert isinstance(serialized, dict)
        attributes = _plain_keys(data.attributes)
        if data.domain == "climate":
            attributes.pop("temperature_unit", None)
        serialized["attributes"] = ReadOnlyDict(attributes)
        return serialized


class _SnapshotExtension(HomeAssistantSnapshotExtension):
    serializer_class = _SnapshotSerializer


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return syrupy's snapshot with Home Assistant's serializer (stable ids, registries)."""
    return snapshot.use_extension(_SnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Enable the entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def test_client_identity(pki: TestPKI, monkeypatch: pytest.MonkeyPatch) -> ClientIdentity:
    """Make the integration present the test CA's client certificate instead of the shipped ones."""
    identity = ClientIdentity("test", pki.client_chain_pem, pki.ca_pem)
    monkeypatch.setattr(transport, "shipped_identities", lambda: (identity,))
    return identity


@pytest.fixture
def clock(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Clock:
    """Return the virtual clock."""
    return Clock(hass, freezer)


@pytest.fixture
def mock_config_entry(thermostat: Simulator) -> MockConfigEntry:
    """Return a config entry for the simulated thermostat."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Thermostat",
        unique_id=MAC,
        minor_version=2,
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: thermostat.port,
            CONF_SECRET_KEY: KEY,
            CONF_FINGERPRINT: thermostat.fingerprint,
        },
    )


async def setup_entry(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    clock: Clock,
    *,
    logged_in: Simulator | None = None,
) -> None:
    """Set up an entry, moving virtual time so the thermostat's initial burst can end.

    With `logged_in`, time stands still until that thermostat has accepted the login, so
    timestamps taken when the link comes up do not depend on how fast the TLS set-up ran.
    """
    if entry.state.recoverable and entry.entry_id not in hass.config_entries.async_entry_ids():
        entry.add_to_hass(hass)
    setup = hass.async_create_task(hass.config_entries.async_setup(entry.entry_id))
    if logged_in is not None:
        await logged_in.wait_for_logins(1)
    await clock.wait(setup)
    await hass.async_block_till_done()


type PlatformSnapshot = Callable[[Platform], Awaitable[None]]


@pytest.fixture
def platform_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    clock: Clock,
    thermostat: Simulator,
    test_client_identity: ClientIdentity,
    entity_registry_enabled_by_default: None,
) -> PlatformSnapshot:
    """Return a check of one platform's entities (every one enabled) against its snapshot.

    The entry is set up with that platform only, at a fixed time, once the thermostat has
    accepted the login: each platform's test module holds its own snapshot file.
    """

    async def check(platform: Platform) -> None:
        clock.freezer.move_to("2026-11-01T12:00:00+00:00")
        with patch("custom_components.steamloop.PLATFORMS", [platform]):
            await setup_entry(hass, mock_config_entry, clock, logged_in=thermostat)
        await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)

    return check


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    test_client_identity: ClientIdentity,
    clock: Clock,
) -> MockConfigEntry:
    """Return the entry, set up against the simulated thermostat."""
    mock_config_entry.add_to_hass(hass)
    await setup_entry(hass, mock_config_entry, clock)
    return mock_config_entry


@pytest.fixture
def us_units(hass: HomeAssistant) -> None:
    """Show temperatures in °F, as the thermostat reports them (modules opt in with usefixtures)."""
    hass.config.units = US_CUSTOMARY_SYSTEM


def all_unavailable(hass: HomeAssistant, *entity_ids: str) -> bool:
    """Return True when every one of the entities is unavailable."""
    return all(hass.states.get(entity_id).state == STATE_UNAVAILABLE for entity_id in entity_ids)
