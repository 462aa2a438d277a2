"""The byte pipes a simulated thermostat talks over: TLS over TCP, and a pseudo-terminal."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import struct
import tty
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Literal, Protocol

type LinkKind = Literal["tls", "pty"]

_READ_SIZE = 65536
_RECORD_HEADER = 5
_HANDSHAKE = 0x16
_CLIENT_HELLO = 0x01
_SUPPORTED_VERSIONS = 43
_TLS13 = b"\x03\x04"


class Link(ABC):
    """One client's byte pipe, as the session sees it."""

    kind: LinkKind
    peer: str

    def __init__(self) -> None:
        """Start with writing allowed."""
        self._writable = asyncio.Event()
        self._writable.set()
        self.closed = False

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Queue bytes for the peer."""

    async def drain(self) -> None:
        """Wait until the pipe takes more data (flow control)."""
        await self._writable.wait()

    @abstractmethod
    def pause_reading(self) -> None:
        """Stop taking bytes from the peer; they stay in the kernel."""

    @abstractmethod
    def resume_reading(self) -> None:
        """Take bytes from the peer again."""

    @abstractmethod
    def close(self) -> None:
        """Close in order (TLS close_notify, then FIN)."""

    @abstractmethod
    def reset(self) -> None:
        """Close abortively (RST)."""


class Sink(Protocol):
    """Where a link delivers what happens to it (a session)."""

    def feed(self, data: bytes) -> None:
        """Take bytes from the peer."""

    def lost(self) -> None:
        """Note that the link is gone."""


class TcpLink(Link):
    """A TLS transport; writes go straight to the socket, flow control comes from the protocol."""

    kind: LinkKind = "tls"

    def __init__(self, transport: asyncio.Transport) -> None:
        """Wrap an established TLS transport."""
        super().__init__()
        self._transport = transport
        host, port, *_ = transport.get_extra_info("peername") or ("?", 0)
        self.peer = f"{host}:{port}"
        ssl_object = transport.get_extra_info("ssl_object")
        self.tls_version: str | None = ssl_object.version() if ssl_object is not None else None
        self.peer_certificate: bytes | None = (
            ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        )
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        """Write unless the transport is closing."""
        if not self._transport.is_closing():
            self._transport.write(data)

    def paused(self) -> None:
        """Flow control: the transport buffer is full."""
        self._writable.clear()

    def resumed(self) -> None:
        """Flow control: the transport buffer drained."""
        self._writable.set()

    def pause_reading(self) -> None:
        """Pause the transport."""
        if not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        """Resume the transport."""
        if not self._transport.is_closing():
            self._transport.resume_reading()

    def close(self) -> None:
        """Start the TLS shutdown; the socket closes when it completes or times out."""
        self.closed = True
        self._transport.close()

    def reset(self) -> None:
        """Set SO_LINGER 0 and drop the socket: the peer gets an RST."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.abort()

    def abort(self) -> None:
        """Drop the socket now, without a TLS goodbye."""
        self.closed = True
        self._transport.abort()

    def lost(self) -> None:
        """Mark the link gone and release any drain."""
        self.closed = True
        self._writable.set()


class TlsProtocol(asyncio.Protocol):
    """Bridges an asyncio TLS transport to a session."""

    def __init__(self, on_made: Callable[[TlsProtocol], Sink]) -> None:
        """Call on_made once TLS is up (the link is set); it returns the session."""
        self._on_made = on_made
        self._sink: Sink | None = None
        self.link: TcpLink | None = None
        self.gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Create the link and the session."""
        if not isinstance(transport, asyncio.Transport):
            msg = "a stream transport is required"
            raise TypeError(msg)
        self.link = TcpLink(transport)
        self._sink = self._on_made(self)

    def data_received(self, data: bytes) -> None:
        """Hand bytes to the session."""
        if self._sink is not None:
            self._sink.feed(data)

    def eof_received(self) -> bool:
        """Close our side too when the client finishes."""
        return False

    def pause_writing(self) -> None:
        """Forward flow control."""
        if self.link is not None:
            self.link.paused()

    def resume_writing(self) -> None:
        """Forward flow control."""
        if self.link is not None:
            self.link.resumed()

    def connection_lost(self, exc: Exception | None) -> None:
        """Tell the session, then release stop()."""
        del exc
        if self.link is not None:
            self.link.lost()
        if self._sink is not None:
            self._sink.lost()
        if not self.gone.done():
            self.gone.set_result(None)


class PtyLink(Link):
    """The master side of a pseudo-terminal, driven by the loop's reader and writer callbacks."""

    kind: LinkKind = "pty"

    def __init__(self) -> None:
        """Open a raw pty; keep the slave open so the line survives clients closing it."""
        super().__init__()
        self._loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.path = os.ttyname(self._slave)
        self.peer = self.path
        self.sink: Sink | None = None
        self._out = bytearray()
        self._reading = False

    def start(self, sink: Sink) -> None:
        """Begin delivering to the session."""
        self.sink = sink
        self.resume_reading()

    def write(self, data: bytes) -> None:
        """Buffer and write what the pty takes now; the rest when it is writable."""
        if self.closed:
            return
        self._out.extend(data)
        self._flush()

    def _flush(self) -> None:
        while self._out and not self.closed:
            try:
                sent = os.write(self._master, self._out)
            except BlockingIOError:
                self._writable.clear()
                self._loop.add_writer(self._master, self._flush)
                return
            except OSError:
                self.reset()
                return
            del self._out[:sent]
        if not self.closed:
            self._loop.remove_writer(self._master)
        self._writable.set()

    def _readable(self) -> None:
        try:
            data = os.read(self._master, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError as err:
            if err.errno != errno.EIO:  # EIO: no slave open for a moment; not fatal
                self.reset()
            return
        if data and self.sink is not None:
            self.sink.feed(data)

    def pause_reading(self) -> None:
        """Stop watching the master for input."""
        if self._reading and not self.closed:
            self._loop.remove_reader(self._master)
        self._reading = False

    def resume_reading(self) -> None:
        """Watch the master for input."""
        if not self._reading and not self.closed:
            self._loop.add_reader(self._master, self._readable)
            self._reading = True

    def close(self) -> None:
        """Close both ends of the pty; an open client sees a hang-up."""
        if self.closed:
            return
        self.pause_reading()
        self._loop.remove_writer(self._master)
        self.closed = True
        self._writable.set()
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.sink is not None:
            self.sink.lost()

    def reset(self) -> None:
        """Close: a pty has no abortive close."""
        self.close()


def offers_tls13(record: bytes) -> bool:
    """Return whether a TLS ClientHello record lists TLS 1.3 in supported_versions."""
    if len(record) < _RECORD_HEADER + 4 or record[0] != _HANDSHAKE:
        return False
    if record[_RECORD_HEADER] != _CLIENT_HELLO:
        return False
    body = record[_RECORD_HEADER + 4 :]
    try:
        pos = 2 + 32  # client_version, random
        pos += 1 + body[pos]  # session id
        pos += 2 + int.from_bytes(body[pos : pos + 2])  # cipher suites
        pos += 1 + body[pos]  # compression methods
        end = pos + 2 + int.from_bytes(body[pos : pos + 2])
        pos += 2
        while pos + 4 <= min(end, len(body)):
            kind = int.from_bytes(body[pos : pos + 2])
            size = int.from_bytes(body[pos + 2 : pos + 4])
            data = body[pos + 4 : pos + 4 + size]
            if kind == _SUPPORTED_VERSIONS and data:
                versions = data[1 : 1 + data[0]]
                return any(versions[i : i + 2] == _TLS13 for i in range(0, len(versions), 2))
            pos += 4 + size
    except IndexError:
        return False
    return False


async def _readable(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


async def peek_client_hello(sock: socket.socket) -> bytes:
    """Return the first TLS record without consuming it (MSG_PEEK), so TLS can still read it."""
    need, seen = _RECORD_HEADER, -1
    try:
        while True:
            await _readable(sock)
            data = sock.recv(need, socket.MSG_PEEK)
            if data[:1] != bytes([_HANDSHAKE]):
                return data  # EOF or not TLS at all: the handshake will fail on it
            if len(data) >= _RECORD_HEADER and need == _RECORD_HEADER:
                need += int.from_bytes(data[3:5])
                data = sock.recv(need, socket.MSG_PEEK)
            if len(data) >= need or len(data) == seen:
                return data  # complete, or the peer stopped sending: TLS will judge it
            seen = len(data)
            # Readable only once the whole record is buffered, so the loop does not spin.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, need)
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)
