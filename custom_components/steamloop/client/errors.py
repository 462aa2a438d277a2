"""The client's exception tree: every error the client raises derives from SteamloopError.

No constructor here takes a secret key, so no message can ever contain one.
"""

from __future__ import annotations


class SteamloopError(Exception):
    """Base of every error the client raises."""


class ConnectError(SteamloopError):
    """Could not connect, the link was lost, the login timed out or the peer went silent."""


class ThermostatBusyError(ConnectError):
    """The thermostat answered the login with an Error that does not concern the key."""


class AuthenticationError(SteamloopError):
    """The thermostat rejected the secret key."""


class PairingError(SteamloopError):
    """The thermostat refused to pair."""


class PairingTimeoutError(PairingError):
    """No key arrived within the pairing deadline (the thermostat is not in pairing mode)."""


class CertificateMismatchError(SteamloopError):
    """The peer's certificate fingerprint differs from the pinned one."""

    def __init__(self, expected: str, actual: str) -> None:
        """Record both fingerprints as lower-case hex SHA-256."""
        self.expected = expected.lower()
        self.actual = actual.lower()
        super().__init__(
            f"certificate fingerprint {self.actual} does not match the pinned {self.expected}"
        )

    def __reduce__(self) -> tuple[type[CertificateMismatchError], tuple[str, str]]:
        """Pickle by the two fingerprints, not by the formatted message."""
        return (type(self), (self.expected, self.actual))


class NotReadyError(SteamloopError):
    """A command was issued while the link is not ready."""


class NotConfirmedError(SteamloopError):
    """A command was sent, but the thermostat did not report the change in time."""


class InvalidCommandError(SteamloopError, ValueError):
    """A command's input is invalid: unknown zone, unsupported mode or out-of-range value."""


class ProtocolError(SteamloopError):
    """The peer broke the framing (a frame longer than the limit)."""
