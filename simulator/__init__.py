"""A simulated Trane / American Standard thermostat for tests, benchmarks and the demo.

See ``simulator.server`` for every scripted behaviour and fault, ``simulator.pki`` for the test
certificates and ``simulator.testing`` for the pytest fixtures. Never imported by the integration.
"""

from __future__ import annotations

from .pki import ServerCertificate, TestPKI, client_context, fingerprint, server_context
from .plant import Plant, ZoneState
from .replay import CaptureError, load_capture, replay_frames
from .server import (
    ClientCertMode,
    ClientRecord,
    CommandRecord,
    DropHow,
    LoginRecord,
    RejectWith,
    Simulator,
    generate_key,
)
from .wire import Malformed

__all__ = [
    "CaptureError",
    "ClientCertMode",
    "ClientRecord",
    "CommandRecord",
    "DropHow",
    "LoginRecord",
    "Malformed",
    "Plant",
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
