"""A simulated Trane / American Standard thermostat for tests, benchmarks and the demo.

See ``simulator.server`` for every scripted behaviour and fault (the ``Simulator`` composes
``simulator.plant``, ``simulator.faults``, ``simulator.protocol`` and ``simulator.records``),
``simulator.pki`` for the test certificates and ``simulator.testing`` for the pytest fixtures.
Never imported by the integration.
"""

from __future__ import annotations

from .faults import DropHow, Faults, RejectWith
from .pki import ServerCertificate, TestPKI, client_context, fingerprint, server_context
from .plant import Plant, ZoneState
from .protocol import generate_key
from .records import ClientRecord, CommandRecord, LoginRecord, Records
from .replay import CaptureError, load_capture, replay_frames
from .server import ClientCertMode, Simulator
from .wire import Malformed

__all__ = [
    "CaptureError",
    "ClientCertMode",
    "ClientRecord",
    "CommandRecord",
    "DropHow",
    "Faults",
    "LoginRecord",
    "Malformed",
    "Plant",
    "Records",
    "RejectWith",
    "ServerCertificate",
    "Simulator",
    "TestPKI",
    "ZoneState",
    "client_context",
    "fingerprint",
    "generate_key",
    "load_capture",
    "replay_frames",
    "server_context",
]
