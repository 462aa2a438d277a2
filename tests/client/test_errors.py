"""The client's exception tree."""

from __future__ import annotations

import pickle

import pytest

from custom_components.steamloop.client.errors import (
    AuthenticationError,
    CertificateMismatchError,
    ConnectError,
    InvalidCommandError,
    NotReadyError,
    PairingError,
    PairingTimeoutError,
    ProtocolError,
    SteamloopError,
)

EXPECTED = "ab" * 32
ACTUAL = "CD" * 32


@pytest.mark.parametrize(
    ("error", "parents"),
    [
        (ConnectError, (SteamloopError,)),
        (AuthenticationError, (SteamloopError,)),
        (PairingError, (SteamloopError,)),
        (PairingTimeoutError, (PairingError, SteamloopError)),
        (CertificateMismatchError, (SteamloopError,)),
        (NotReadyError, (SteamloopError,)),
        (InvalidCommandError, (SteamloopError, ValueError)),
        (ProtocolError, (SteamloopError,)),
    ],
)
def test_tree(error: type[Exception], parents: tuple[type[Exception], ...]) -> None:
    """Every error sits where the contract puts it, and nowhere else."""
    assert issubclass(SteamloopError, Exception)
    for parent in parents:
        assert issubclass(error, parent)
    siblings = {ConnectError, AuthenticationError, PairingError, NotReadyError, ProtocolError}
    assert not any(issubclass(error, other) for other in siblings - {error, *parents})


def test_certificate_mismatch_carries_both_fingerprints() -> None:
    """Both fingerprints are kept lower case and named in the message."""
    error = CertificateMismatchError(EXPECTED, ACTUAL)
    assert error.expected == EXPECTED
    assert error.actual == ACTUAL.lower()
    assert EXPECTED in str(error)
    assert ACTUAL.lower() in str(error)


def test_certificate_mismatch_pickles() -> None:
    """The error survives pickling (it crosses executor and test boundaries)."""
    error = pickle.loads(pickle.dumps(CertificateMismatchError(EXPECTED, ACTUAL)))  # noqa: S301
    assert isinstance(error, CertificateMismatchError)
    assert (error.expected, error.actual) == (EXPECTED, ACTUAL.lower())
    assert str(error) == str(CertificateMismatchError(EXPECTED, ACTUAL))


def test_invalid_command_is_a_value_error() -> None:
    """Callers that catch ValueError also catch bad command input."""
    error = InvalidCommandError("unknown zone 9")
    assert isinstance(error, ValueError)
    assert str(error) == "unknown zone 9"
