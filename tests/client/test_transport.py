"""TLS and serial transports: the TLS profile, client identities, keepalive, bounded close."""

from __future__ import annotations

import errno
import os
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from custom_components.steamloop.client import (
    ClientIdentity,
    ConnectError,
    SerialTransport,
    TlsTransport,
    build_ssl_context,
    shipped_identities,
)
from custom_components.steamloop.client import transport as tls_module
from simulator import Simulator, TestPKI

from .conftest import Clock

pytestmark = pytest.mark.timeout(30)


async def test_tls_link_is_pinned_tls12_with_our_identity(
    thermostat: Simulator, tls: TlsTransport, pki: TestPKI
) -> None:
    """The link carries the peer's fingerprint; the thermostat saw TLS 1.2 and our certificate."""
    link = await tls.connect()
    try:
        assert link.peer_fingerprint == thermostat.fingerprint
        await thermostat.wait_for_connections(1)
        record = thermostat.clients[0]
        assert record.tls_version == "TLSv1.2"
        assert record.client_certificate == ssl.PEM_cert_to_DER_cert(
            pki.client_cert_pem.decode("ascii")
        )
        assert thermostat.tls13_rejected == 0
        assert tls.identity is not None
        assert tls.identity.name == "test"
    finally:
        await link.close()


async def test_dead_host_detection_options_are_on_the_socket(
    thermostat: Simulator, tls: TlsTransport
) -> None:
    """Keepalive 10 s + 3 x 5 s and TCP_USER_TIMEOUT 30 s: a vanished host within 90 s."""
    link = await tls.connect()
    try:
        sock = link.writer.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        idle = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
        interval = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL)
        count = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)
        user_timeout = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT)
        assert (idle, interval, count, user_timeout) == (10, 5, 3, 30_000)
        # Worst case: a heartbeat written just before the probes give up gets its own timeout.
        assert idle + interval * count + user_timeout / 1000 <= 90
    finally:
        await link.close()


async def test_ssl_contexts_are_built_once_off_the_event_loop(
    thermostat: Simulator,
    identities: list[ClientIdentity],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """load_cert_chain runs in a worker thread, once per identity, and its PEM file is removed."""
    calls: list[tuple[threading.Thread, Path]] = []
    real = ssl.SSLContext.load_cert_chain

    def spy(self: ssl.SSLContext, certfile: str, *args: object, **kwargs: object) -> None:
        calls.append((threading.current_thread(), Path(certfile)))
        real(self, certfile, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    transport = TlsTransport("127.0.0.1", thermostat.port, identities=identities)
    for _ in range(3):
        link = await transport.connect()
        await link.close()

    assert len(calls) == len(identities) == 1
    thread, path = calls[0]
    assert thread is not threading.current_thread()
    assert thread is not threading.main_thread()
    assert not path.exists()


def test_the_context_profile_is_what_the_thermostat_needs(pki: TestPKI) -> None:
    """At most TLS 1.2, legacy renegotiation allowed, no hostname check, pinned not verified."""
    context = build_ssl_context(ClientIdentity("test", pki.client_chain_pem, pki.ca_pem))
    assert context.maximum_version is ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_LEGACY_SERVER_CONNECT
    assert context.check_hostname is False
    assert context.verify_mode is ssl.CERT_NONE
    assert any(cipher["protocol"] == "TLSv1.2" for cipher in context.get_ciphers())


def test_shipped_identities_come_from_the_steamloop_package() -> None:
    """Primary then secondary, each a certificate chain with its key; both load."""
    identities = shipped_identities()
    assert [identity.name for identity in identities] == ["primary", "secondary"]
    for identity in identities:
        assert b"BEGIN CERTIFICATE" in identity.chain_pem
        assert b"PRIVATE KEY" in identity.chain_pem
        build_ssl_context(identity)
    assert identities[1].ca_pem is not None
    assert "chain_pem" not in repr(identities[0])


async def test_refused_identity_falls_back_to_the_next_and_is_remembered(
    thermostat: Simulator, identities: list[ClientIdentity]
) -> None:
    """A handshake the thermostat refuses tries the next identity; the one that worked goes
    first from then on."""
    foreign = shipped_identities()[0]
    transport = TlsTransport("127.0.0.1", thermostat.port, identities=[foreign, *identities])

    link = await transport.connect()
    await link.close()
    assert transport.identity == identities[0]
    assert thermostat.handshake_failures == 1

    link = await transport.connect()
    await link.close()
    assert thermostat.handshake_failures == 1
    assert thermostat.connections == 2


async def test_every_identity_refused_is_a_connect_error(thermostat: Simulator) -> None:
    """The shipped identities against a thermostat that only knows the test CA."""
    transport = TlsTransport("127.0.0.1", thermostat.port)
    with pytest.raises(ConnectError, match="every client identity") as caught:
        await transport.connect()
    # The address once, as the transport's name: not again inside the reason.
    assert str(caught.value).count("127.0.0.1") == 1
    assert thermostat.handshake_failures == 2
    assert transport.identity is None


async def test_no_identity_is_a_connect_error(thermostat: Simulator) -> None:
    """An empty identity list cannot connect."""
    with pytest.raises(ConnectError, match="no client identity"):
        await TlsTransport("127.0.0.1", thermostat.port, identities=[]).connect()


async def test_refused_port_fails_fast_with_one_attempt(
    thermostat: Simulator, tls: TlsTransport
) -> None:
    """Nothing listening: ConnectError without trying the other identities; the reason is plain."""
    await thermostat.refuse()
    with pytest.raises(ConnectError, match="Connection refused") as caught:
        await tls.connect()
    assert str(caught.value) == f"{tls.name}: Connection refused"


async def test_handshake_that_never_completes_times_out(
    clock: Clock, socket_enabled: None, identities: list[ClientIdentity]
) -> None:
    """A host that accepts TCP but never answers TLS: ConnectError after connect_timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        transport = TlsTransport("127.0.0.1", port, identities=identities, connect_timeout=10)
        await transport.prepare()
        with pytest.raises(ConnectError, match="timed out after 10 s"):
            await clock.wait(transport.connect(), limit=11)


async def test_close_is_bounded_when_the_peer_never_answers(
    clock: Clock, thermostat: Simulator, tls: TlsTransport
) -> None:
    """A silent peer never answers the TLS close: the socket is dropped after 5 s anyway."""
    link = await tls.connect()
    await clock.wait(thermostat.wait_for_connections(1))
    thermostat.go_silent()
    sock = link.writer.get_extra_info("socket")

    spent_before = clock.elapsed
    await clock.wait(link.close(), limit=6)
    assert 4.9 <= clock.elapsed - spent_before <= 5.2
    await clock.settle()
    assert sock.fileno() == -1
    await link.close()
    thermostat.wake()


async def test_serial_transport_reports_a_missing_port(hass: object) -> None:
    """A serial URL that cannot be opened is a ConnectError naming the port."""
    transport = SerialTransport("/dev/steamloop-no-such-port")
    assert transport.name == "/dev/steamloop-no-such-port"
    with pytest.raises(ConnectError, match="steamloop-no-such-port"):
        await transport.connect()


async def test_shipped_identities_connect_where_no_client_ca_is_enforced(
    simulator_factory: Callable[..., Awaitable[Simulator]],
) -> None:
    """The default identities (steamloop's certificate sets) complete a handshake; primary wins."""
    thermostat = await simulator_factory(mode="open")
    transport = TlsTransport("127.0.0.1", thermostat.port)
    link = await transport.connect()
    try:
        assert link.peer_fingerprint == thermostat.fingerprint
        assert transport.identity is not None
        assert transport.identity.name == "primary"
        await thermostat.wait_for_connections(1)
        assert thermostat.clients[0].tls_version == "TLSv1.2"
    finally:
        await link.close()


def test_connect_failure_reasons_carry_no_address() -> None:
    """asyncio words some connect failures with the address; the reason keeps only the cause."""
    reset = ConnectionResetError(errno.ECONNRESET, "Connect call failed ('192.0.2.7', 7878)")
    assert tls_module._reason(reset) == os.strerror(errno.ECONNRESET)
    assert tls_module._reason(EOFError()) == "EOFError"
