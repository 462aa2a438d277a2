"""The simulator's building blocks: framing helpers, the ClientHello check, the PKI."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import ServerCertificate, TestPKI, client_context
from simulator.links import offers_tls13, peek_client_hello
from simulator.wire import decode, redact, string_fields


def client_hello(maximum_version: ssl.TLSVersion) -> bytes:
    """Return the first flight of a client limited to `maximum_version`."""
    tls = client_context(None, maximum_version=maximum_version).wrap_bio(
        ssl.MemoryBIO(), outgoing := ssl.MemoryBIO()
    )
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_redact_hides_every_secret_key_and_truncates() -> None:
    data = b'{"Request":{"Login":{"secret_key":"hun\\"ter2","device_id":"m"}}} \x00'
    text = redact(data)
    assert "hun" not in text
    assert "ter2" not in text
    assert '"secret_key":"**REDACTED**"' in text
    assert text.endswith("} \\x00")
    assert redact(b"x" * 500, limit=10) == "x" * 10 + "..."
    assert redact(b'{"SetSecretKey":{"secret_key": "abc"}}') == (
        '{"SetSecretKey":{"secret_key": "**REDACTED**"}}'
    )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b'garbage{"Heartbeat":{}} trailing', {"Heartbeat": {}}),
        (b'{"a":1}', {"a": 1}),
        (b"[1,2]", None),
        (b"no braces", None),
        (b"}{", None),
        (b'{"a":', None),
        (b'\xff{"a":"\xfe"}', {"a": "\ufffd"}),
    ],
)
def test_decode_is_as_tolerant_as_the_thermostat(
    frame: bytes, message: dict[str, object] | None
) -> None:
    assert decode(frame) == message


def test_string_fields_accepts_only_objects_of_strings() -> None:
    assert string_fields({"a": "1"}) == {"a": "1"}
    assert string_fields({"a": 1}) is None
    assert string_fields(["a"]) is None


def test_the_client_hello_check_tells_tls12_from_tls13() -> None:
    assert not offers_tls13(client_hello(ssl.TLSVersion.TLSv1_2))
    hello13 = client_hello(ssl.TLSVersion.TLSv1_3)
    assert offers_tls13(hello13)
    assert not offers_tls13(hello13[:60])
    assert not offers_tls13(b"GET / HTTP/1.1\r\n")
    assert not offers_tls13(b"\x16\x03\x01\x00\x04\x02\x00\x00\x00")
    assert not offers_tls13(b"")


@pytest.fixture
def tcp_pair(socket_enabled: None) -> Iterator[tuple[socket.socket, socket.socket]]:
    """Return a connected loopback pair: (client, non-blocking server side)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    server.settimeout(0.0)
    yield client, server
    client.close()
    server.close()


async def test_peeking_leaves_the_hello_for_tls(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = tcp_pair
    hello = client_hello(ssl.TLSVersion.TLSv1_2)
    client.sendall(hello[:3])
    peek = asyncio.create_task(peek_client_hello(server))
    client.sendall(hello[3:])
    assert await peek == hello
    assert server.recv(len(hello) + 10) == hello


async def test_peeking_returns_what_came_before_eof(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = tcp_pair
    client.sendall(b"\x16\x03\x01\x02\x00abc")
    client.shutdown(socket.SHUT_WR)
    assert await peek_client_hello(server) == b"\x16\x03\x01\x02\x00abc"
    client.close()


async def test_peeking_stops_at_the_first_byte_that_is_not_tls(
    tcp_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = tcp_pair
    client.sendall(b"GET / HTTP/1.1\r\n")
    assert await peek_client_hello(server) == b"GET /"


def test_a_server_certificate_loads_from_one_pem_file(pki: TestPKI) -> None:
    loaded = ServerCertificate.from_pem(pki.server.key_pem + pki.server.cert_pem + pki.ca_pem)
    assert loaded == pki.server
    with pytest.raises(ValueError, match="certificate and a private key"):
        ServerCertificate.from_pem(pki.ca_pem)


def test_the_pki_writes_its_files_privately(pki: TestPKI, tmp_path: Path) -> None:
    files = pki.write(tmp_path / "pki")
    assert files["ca"].read_bytes() == pki.ca_pem
    assert files["client"].read_bytes() == pki.client_chain_pem
    assert files["server"].read_bytes() == pki.server.cert_pem + pki.server.key_pem
    assert {oct(p.stat().st_mode & 0o777) for p in files.values()} == {"0o600"}


def test_each_pki_is_unrelated(pki: TestPKI) -> None:
    other = TestPKI()
    assert other.ca_pem != pki.ca_pem
    assert other.server_fingerprint != pki.server_fingerprint
    assert other.issue_client_chain() != other.client_chain_pem


def test_an_rsa_pki_serves_too(pki: TestPKI) -> None:
    rsa = TestPKI(rsa=True)
    assert b"BEGIN RSA PRIVATE KEY" in rsa.client_chain_pem
    assert b"BEGIN EC PRIVATE KEY" in pki.client_chain_pem
