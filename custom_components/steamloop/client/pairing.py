"""The config flow's one-shot conversations: get a key from the thermostat (pair), try one (probe).

Each opens its own link through a Session, holds it for one conversation and closes it; neither
retries beyond what is written here, and neither shares anything with a supervisor.

Pairing is an empty-key login on the thermostat's pairing screen: the thermostat answers
``LoginResponse`` status 1 (in pairing mode, the key is to come), then sends ``SetSecretKey``,
which we acknowledge with ``SecretKeyUpdated``. A refused empty-key login (another status, or an
``Error``) means the thermostat is not on its pairing screen yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from . import codec
from .codec import Message, Request, Response
from .errors import ConnectError, PairingError, PairingTimeoutError
from .session import Session
from .state import ThermostatState
from .transport import Transport

_LOGGER = logging.getLogger(__name__)

# How long pairing waits for the user to press Pair on the thermostat (the config flow's wait).
PAIRING_TIMEOUT: Final = 120.0
# A refused empty-key login is asked again on a new link this often, until the deadline.
PAIRING_RETRY: Final = 5.0
# A key's check: connect, login and the initial burst (the config flow's check of a key).
PROBE_TIMEOUT: Final = 15.0


@dataclass(frozen=True, slots=True)
class PairingResult:
    """The key the thermostat handed out, and the certificate of the thermostat that did."""

    secret_key: str
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one successful login and burst showed."""

    fingerprint: str | None
    state: ThermostatState


class _PairingRefusedError(PairingError):
    """The thermostat answered the empty-key login with a refusal: not in pairing mode (yet)."""


class _KeyRequest:
    """The pairing handshake on one link: an empty-key login, then the key the thermostat sends."""

    def __init__(self, session: Session) -> None:
        """Hold the handshake on `session`."""
        self.session = session
        # The thermostat accepted the empty-key login: it is in pairing mode, the key is to come.
        self.accepted = False

    async def run(self) -> str:
        """Ask for a key with an empty login and acknowledge the one the thermostat sends."""
        session = self.session
        key = await session.exchange(codec.login(""), self._on_reply)
        session.capture.hide(key)
        await session.send(codec.secret_key_updated(key))
        return key

    def _on_reply(self, message: Message) -> bool:
        session = self.session
        if isinstance(message, Request) and message.name == "SetSecretKey":
            key = message.fields.get("secret_key", "")
            session.resolve(key or PairingError("the thermostat sent an empty key"))
            return True
        if not isinstance(message, Response):
            return False
        if message.name == "LoginResponse":
            status = message.fields.get("status")
            if status == "1":
                self.accepted = True
            else:
                session.resolve(
                    _PairingRefusedError(f"pairing refused (status {session.text(status or '')})")
                )
            return True
        if message.name == "Error":
            session.resolve(_PairingRefusedError(f"pairing refused: {session.error_text(message)}"))
            return True
        return False


async def pair(
    transport: Transport,
    *,
    timeout: float = PAIRING_TIMEOUT,  # noqa: ASYNC109 - a deadline for the whole pairing
    acknowledged: Callable[[PairingResult], None] | None = None,
    on_refusal: Callable[[], None] | None = None,
) -> PairingResult:
    """Get a key from the thermostat within `timeout`.

    The user may start this before pressing Pair on the thermostat: a refused empty-key login is
    retried on a new link every PAIRING_RETRY s until the deadline, which then raises PairingError
    when the thermostat kept refusing and PairingTimeoutError when it never sent a key.

    The key is the result from the moment it is acknowledged: the thermostat uses it from then on.
    So `acknowledged` is called with it at once, and closing the link afterwards is cleanup that the
    deadline does not cover; a caller cancelled during that close still has the key through the
    callback. Cancelling leaves no link open. `on_refusal` is called at each refused login, so a
    caller can tell the user the thermostat is not on its pairing screen yet.
    """
    refused: PairingError | None = None
    request: _KeyRequest | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                request = _KeyRequest(Session(await transport.connect(), name=transport.name))
                try:
                    key = await request.run()
                except _PairingRefusedError as err:
                    refused = err
                    _LOGGER.debug("%s: %s; asking again", transport.name, str(err))
                    if on_refusal is not None:
                        on_refusal()
                    await request.session.close()
                    request = None
                    await asyncio.sleep(PAIRING_RETRY)
                    continue
                break
    except TimeoutError as err:
        accepted = request is not None and request.accepted
        if request is not None:
            await request.session.close(graceful=False)
        if refused is not None and not accepted:
            msg = f"{transport.name}: refused to pair for {timeout:g} s (not in pairing mode)"
            raise PairingError(msg) from refused
        msg = f"{transport.name}: no key within {timeout:g} s (is the thermostat in pairing mode?)"
        raise PairingTimeoutError(msg) from err
    except BaseException:
        if request is not None:
            await request.session.close(graceful=False)
        raise
    session = request.session
    result = PairingResult(secret_key=key, fingerprint=session.link.peer_fingerprint)
    if acknowledged is not None:
        acknowledged(result)
    await session.close()
    return result


async def probe(
    transport: Transport,
    secret_key: str,
    *,
    timeout: float = PROBE_TIMEOUT,  # noqa: ASYNC109 - a deadline for login and burst
) -> ProbeResult:
    """Log in once, collect the burst and disconnect: proves the host and the key work.

    The deadline covers the login and the burst; the goodbye after them is cleanup outside it, so
    a thermostat slow to answer the TLS close does not turn a working key into "no login".
    """
    session: Session | None = None
    try:
        async with asyncio.timeout(timeout):
            session = Session(await transport.connect(), name=transport.name)
            await session.login(secret_key)
            state = await session.sync()
    except TimeoutError as err:
        if session is not None:
            await session.close(graceful=False)
        msg = f"{transport.name}: no login and burst within {timeout:g} s"
        raise ConnectError(msg) from err
    except BaseException:
        if session is not None:
            await session.close(graceful=False)
        raise
    await session.close()
    return ProbeResult(fingerprint=session.link.peer_fingerprint, state=state)
