"""Byte links to a thermostat: mutual TLS over TCP, or a serial line.

This module owns opening a link (the TLS context, the client identity, socket keepalive, the peer's
certificate fingerprint) and closing it within a bound. It knows nothing of the protocol on top.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import importlib
import logging
import os
import socket
import ssl
import sys
import tempfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from steamloop.certs import CERT_SETS

from .errors import ConnectError

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 7878
CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0

# A vanished host (no ACKs at all): on a quiet link keepalive probes start after 10 s and, with
# TCP_USER_TIMEOUT set, the kernel gives up 30 s after the last ACK. Linux stops probing while data
# is unacknowledged, so a heartbeat written just before that gets its own 30 s: worst case about
# 25 + 30 s, inside the 90 s bound. (60 s here measured 114 s: heartbeat at 55 s + 60 s.)
# A Wi-Fi stall longer than 30 s costs a reconnect, which takes seconds.
KEEPALIVE_IDLE = 10
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3
USER_TIMEOUT_MS = 30_000

# Errors during the TLS handshake that mean "this identity was refused", worth trying the next one;
# anything else (refused, unreachable, timed out) would fail the same way with every identity.
_HANDSHAKE_REFUSED = (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, EOFError)


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A client certificate chain with its private key (PEM), and an optional CA to load."""

    name: str
    chain_pem: bytes = field(repr=False)
    ca_pem: bytes | None = field(default=None, repr=False)


@dataclass(slots=True)
class Link:
    """An open byte stream to the thermostat."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    peer_fingerprint: str | None = None

    async def close(self, grace: float = CLOSE_TIMEOUT) -> None:
        """Close the stream, waiting at most `grace` seconds before dropping it outright."""
        transport = self.writer.transport
        if not transport.is_closing():
            self.writer.close()
        # wait_closed() must not be cancelled by the bound: that would cancel the protocol's own
        # close future, which every later wait_closed() shares.
        closed = asyncio.ensure_future(self._wait_closed())
        try:
            await asyncio.wait([closed], timeout=grace)
        finally:
            if not closed.done():
                # A peer that never answers the TLS close_notify must not keep the socket open.
                transport.abort()
        await closed

    async def _wait_closed(self) -> None:
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class Transport(ABC):
    """A way to reach one thermostat."""

    name: str

    @abstractmethod
    async def connect(self) -> Link:
        """Open a new link; raise ConnectError when the thermostat cannot be reached."""


def shipped_identities() -> tuple[ClientIdentity, ...]:
    """Return the client certificate sets shipped with the steamloop package, primary first."""
    return tuple(
        ClientIdentity(
            name=cert_set.name,
            chain_pem=zlib.decompress(base64.b64decode(cert_set.chain_data)),
            ca_pem=(
                zlib.decompress(base64.b64decode(cert_set.root_ca_data))
                if cert_set.root_ca_data is not None
                else None
            ),
        )
        for cert_set in CERT_SETS
    )


def build_ssl_context(identity: ClientIdentity) -> ssl.SSLContext:
    """Build the client context the thermostat accepts (blocking: run it in an executor)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # The thermostat's certificate is self-signed; it is pinned by fingerprint instead.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    # The thermostat drops a TLS 1.3 ClientHello and needs the old cipher suites.
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.options |= ssl.OP_LEGACY_SERVER_CONNECT
    # load_cert_chain only reads files, so the PEM lives on disk for the duration of this call.
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as pem_file:
            pem_file.write(identity.chain_pem)
        context.load_cert_chain(certfile=path)
    finally:
        Path(path).unlink()
    if identity.ca_pem is not None:
        context.load_verify_locations(cadata=identity.ca_pem.decode("ascii"))
    return context


def _build_contexts(
    identities: Sequence[ClientIdentity] | None,
) -> tuple[tuple[ClientIdentity, ssl.SSLContext], ...]:
    chosen = shipped_identities() if identities is None else tuple(identities)
    return tuple((identity, build_ssl_context(identity)) for identity in chosen)


def peer_fingerprint(writer: asyncio.StreamWriter) -> str | None:
    """Return the hex SHA-256 of the peer's DER certificate, or None without TLS."""
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest() if der else None


def set_keepalive(sock: socket.socket) -> None:
    """Make the kernel notice a vanished peer within 90 s."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (
        ("TCP_KEEPIDLE", KEEPALIVE_IDLE),
        ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
        ("TCP_KEEPCNT", KEEPALIVE_COUNT),
        ("TCP_USER_TIMEOUT", USER_TIMEOUT_MS),
    ):
        # Not every platform has every option; keepalive alone still helps.
        if (option := getattr(socket, name, None)) is not None:
            sock.setsockopt(socket.IPPROTO_TCP, option, value)


class TlsTransport(Transport):
    """Mutual TLS over TCP, the thermostat's native link."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        identities: Sequence[ClientIdentity] | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        """Reach `host`:`port`; `identities` default to the certificate sets steamloop ships."""
        self.host = host
        self.port = port
        self.name = f"{host}:{port}"
        self._identities = None if identities is None else tuple(identities)
        self._connect_timeout = connect_timeout
        self._contexts: tuple[tuple[ClientIdentity, ssl.SSLContext], ...] | None = None
        self._preferred: ClientIdentity | None = None

    @property
    def identity(self) -> ClientIdentity | None:
        """Return the identity that last completed a handshake."""
        return self._preferred

    async def prepare(self) -> None:
        """Build the SSL contexts now, in the executor; connect() does it on first use."""
        await self._ssl_contexts()

    async def _ssl_contexts(self) -> tuple[tuple[ClientIdentity, ssl.SSLContext], ...]:
        if self._contexts is None:
            loop = asyncio.get_running_loop()
            self._contexts = await loop.run_in_executor(None, _build_contexts, self._identities)
        return self._contexts

    async def connect(self) -> Link:
        """Open a TLS link, trying the remembered identity first, then the others in order."""
        contexts = sorted(await self._ssl_contexts(), key=lambda pair: pair[0] != self._preferred)
        if not contexts:
            msg = "no client identity to connect with"
            raise ConnectError(msg)
        refused: BaseException | None = None
        for identity, context in contexts:
            try:
                link = await self._open(context)
            except _HANDSHAKE_REFUSED as err:
                _LOGGER.debug(
                    "%s refused the %s identity: %s", self.name, identity.name, _reason(err)
                )
                refused = err
                continue
            except TimeoutError as err:
                msg = f"{self.name}: timed out after {self._connect_timeout:g} s"
                raise ConnectError(msg) from err
            except OSError as err:
                msg = f"{self.name}: {_reason(err)}"
                raise ConnectError(msg) from err
            except UnicodeError as err:
                # getaddrinfo's verdict on a name it cannot even encode ("a..b", a long label).
                msg = f"{self.name}: not a valid host name"
                raise ConnectError(msg) from err
            self._preferred = identity
            return link
        msg = f"{self.name}: TLS handshake failed with every client identity ({_reason(refused)})"
        raise ConnectError(msg) from refused

    async def _open(self, context: ssl.SSLContext) -> Link:
        async with asyncio.timeout(self._connect_timeout):
            reader, writer = await asyncio.open_connection(
                self.host,
                self.port,
                ssl=context,
                ssl_shutdown_timeout=CLOSE_TIMEOUT,
            )
        try:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                set_keepalive(sock)
            fingerprint = peer_fingerprint(writer)
        except BaseException:
            writer.transport.abort()
            raise
        return Link(reader, writer, fingerprint)


def _reason(err: BaseException | None) -> str:
    """Return why a connect failed, without the address asyncio puts in some messages."""
    if isinstance(err, ssl.SSLError):
        return repr(err)
    if isinstance(err, OSError) and err.errno:
        return os.strerror(err.errno)
    return type(err).__name__


class SerialTransport(Transport):
    """A serial line (or anything serialx opens from a URL); no TLS, no fingerprint."""

    def __init__(
        self, url: str, baudrate: int = 115200, *, connect_timeout: float = CONNECT_TIMEOUT
    ) -> None:
        """Open `url` at `baudrate` on connect."""
        self.url = url
        self.baudrate = baudrate
        self.name = url
        self._connect_timeout = connect_timeout

    async def connect(self) -> Link:
        """Open the serial port."""
        # Imported here (off the event loop the first time) so that serial support can never
        # stop a network connection from loading: serialx is not a requirement of ours but
        # comes with Home Assistant, whose usb and serial integrations pin it per release.
        try:
            if "serialx" not in sys.modules:
                await asyncio.get_running_loop().run_in_executor(
                    None, importlib.import_module, "serialx"
                )
            import serialx  # noqa: PLC0415
        except ImportError as err:
            msg = f"{self.name}: serial connections need serialx (Home Assistant's usb installs it)"
            raise ConnectError(msg) from err

        try:
            async with asyncio.timeout(self._connect_timeout):
                reader, writer = await serialx.open_serial_connection(
                    url=self.url, baudrate=self.baudrate
                )
        except TimeoutError as err:
            msg = f"{self.name}: timed out after {self._connect_timeout:g} s"
            raise ConnectError(msg) from err
        except (OSError, serialx.SerialException, ValueError) as err:
            msg = f"{self.name}: {err}"
            raise ConnectError(msg) from err
        return Link(reader, writer, None)
