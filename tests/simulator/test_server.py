"""The Simulator composes its parts: plant, fault switches, protocol handling and records."""

from __future__ import annotations

import dataclasses

from simulator import Faults, Records, Simulator, TestPKI

# Counted or one-shot state behind drop_at_next_heartbeat() and flap(): set through those actions.
KEY, OTHER_KEY = "test-key", "other-key"
ACTION_STATE = {"drop_at_heartbeat", "flaps", "flap_how"}


def test_every_fault_switch_is_an_attribute_of_the_simulator(pki: TestPKI) -> None:
    sim = Simulator(pki=pki, reject_with="error", heartbeat_timeout=30.0)
    assert (sim.faults.reject_with, sim.faults.heartbeat_timeout) == ("error", 30.0)
    for switch in {f.name for f in dataclasses.fields(Faults)} - ACTION_STATE:
        value = object()
        setattr(sim, switch, value)
        assert getattr(sim.faults, switch) is value, switch
        assert getattr(sim, switch) is value, switch


def test_records_and_pairing_are_read_and_written_through_the_simulator(pki: TestPKI) -> None:
    sim = Simulator(pki=pki, pairing=True, pairing_key="offered", secret_key=KEY)
    assert isinstance(sim.records, Records)
    sim.wait_timeout = None
    assert sim.records.wait_timeout is None
    sim.heartbeats += 3
    assert sim.records.heartbeats == 3
    assert sim.logins is sim.records.logins
    assert (sim.pairing, sim.pairing_key, sim.secret_key) == (True, "offered", KEY)
    sim.stop_pairing()
    assert not sim.protocol.pairing
    assert sim.start_pairing("another") == sim.pairing_key == "another"
    sim.set_secret_key(OTHER_KEY)
    assert sim.protocol.secret_key is OTHER_KEY


def test_fault_actions_set_the_one_shot_switches(pki: TestPKI) -> None:
    sim = Simulator(pki=pki)
    sim.drop_at_next_heartbeat("close")
    sim.flap(2, "reset")
    faults = sim.faults
    assert (faults.take_heartbeat_drop(), faults.take_heartbeat_drop()) == ("close", None)
    assert [faults.take_flap() for _ in range(3)] == ["reset", "reset", None]


def test_a_burst_pause_delays_every_frame_after_the_first_n() -> None:
    assert Faults().burst_delays(3) == [0.0, 0.0, 0.0]
    assert Faults(burst_pause=(2, 5.0)).burst_delays(4) == [0.0, 0.0, 5.0, 5.0]
