"""A throw-away PKI for tests: a CA, the thermostat's server certificate and our client identity."""

from __future__ import annotations

import hashlib
import re
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import trustme

SERVER_IDENTITIES = ("thermostat.local", "127.0.0.1", "::1")
CLIENT_IDENTITY = "steamloop-client.local"
TLS_CIPHERS = "DEFAULT:@SECLEVEL=0"
_PEM_BLOCK = re.compile(rb"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)


def fingerprint(cert_pem: bytes) -> str:
    """Return the SHA-256 of a PEM certificate's DER, hex, lower case."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem.decode("ascii"))
    return hashlib.sha256(der).hexdigest()


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """A certificate the simulated thermostat presents."""

    cert_pem: bytes
    key_pem: bytes = field(repr=False)
    fingerprint: str

    @classmethod
    def from_pem(cls, chain_pem: bytes) -> ServerCertificate:
        """Load a certificate + private key PEM (the first certificate is the server's)."""
        blocks = _PEM_BLOCK.findall(chain_pem)
        certs = [b for b in blocks if b.startswith(b"-----BEGIN CERTIFICATE-----")]
        keys = [b for b in blocks if b"PRIVATE KEY-----" in b.split(b"\n", 1)[0]]
        if not certs or not keys:
            msg = "expected a certificate and a private key in one PEM file"
            raise ValueError(msg)
        return cls(certs[0] + b"\n", keys[0] + b"\n", fingerprint(certs[0]))

    @property
    def chain_pem(self) -> bytes:
        """Return certificate then key, the layout load_cert_chain accepts as one file."""
        return self.cert_pem + self.key_pem


class TestPKI:
    """A CA plus the certificates issued by it; every instance is a fresh, unrelated PKI."""

    __test__ = False  # not a pytest test class despite its name

    def __init__(self, *, rsa: bool = False) -> None:
        """Create the CA, the server certificate and the client certificate (ECDSA, or RSA)."""
        # ECDSA keys take milliseconds, RSA ones a tenth of a second each: tests use ECDSA, the
        # command line RSA, closer to what embedded devices carry.
        self._key_type = trustme.KeyType.RSA if rsa else trustme.KeyType.ECDSA
        self._ca = trustme.CA(organization_name="steamloop simulator", key_type=self._key_type)
        self.ca_pem: bytes = self._ca.cert_pem.bytes()
        self.server: ServerCertificate = self.issue_server_certificate()
        client = self._ca.issue_cert(
            CLIENT_IDENTITY, common_name=CLIENT_IDENTITY, key_type=self._key_type
        )
        self.client_cert_pem: bytes = client.cert_chain_pems[0].bytes()
        self.client_key_pem: bytes = client.private_key_pem.bytes()
        self.client_chain_pem: bytes = self.client_cert_pem + self.client_key_pem

    @property
    def server_fingerprint(self) -> str:
        """Return the default server certificate's fingerprint."""
        return self.server.fingerprint

    def issue_server_certificate(self) -> ServerCertificate:
        """Mint another server certificate from the same CA; its fingerprint differs."""
        leaf = self._ca.issue_cert(
            *SERVER_IDENTITIES, common_name="thermostat", key_type=self._key_type
        )
        cert = leaf.cert_chain_pems[0].bytes()
        return ServerCertificate(cert, leaf.private_key_pem.bytes(), fingerprint(cert))

    def issue_client_chain(self) -> bytes:
        """Return another client certificate + key issued by this CA."""
        leaf = self._ca.issue_cert(
            CLIENT_IDENTITY, common_name=CLIENT_IDENTITY, key_type=self._key_type
        )
        return leaf.cert_chain_pems[0].bytes() + leaf.private_key_pem.bytes()

    def write(self, directory: Path) -> dict[str, Path]:
        """Write ca.pem, server.pem (cert + key) and client.pem (cert + key); blocking I/O."""
        directory.mkdir(parents=True, exist_ok=True)
        files = {
            "ca": (directory / "ca.pem", self.ca_pem),
            "server": (directory / "server.pem", self.server.chain_pem),
            "client": (directory / "client.pem", self.client_chain_pem),
        }
        for path, data in files.values():
            path.write_bytes(data)
            path.chmod(0o600)
        return {name: path for name, (path, _) in files.items()}


def _load_chain(ctx: ssl.SSLContext, chain_pem: bytes) -> None:
    # load_cert_chain only takes a path, so the PEM lives in a private directory for a moment.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chain.pem"
        path.write_bytes(chain_pem)
        ctx.load_cert_chain(path)


def server_context(certificate: ServerCertificate, client_ca_pem: bytes | None) -> ssl.SSLContext:
    """Build the thermostat's TLS context; blocking (run it in an executor)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(TLS_CIPHERS)
    _load_chain(ctx, certificate.chain_pem)
    # Open mode requests no client certificate at all: Python's ssl cannot ask for one without
    # also verifying it, and the identities other clients ship are not issued by our CA.
    if client_ca_pem is None:
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cadata=client_ca_pem.decode("ascii"))
    return ctx


def client_context(
    chain_pem: bytes | None, *, maximum_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
) -> ssl.SSLContext:
    """Build a client context like the thermostat's clients use; blocking (use an executor)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = maximum_version
    ctx.set_ciphers(TLS_CIPHERS)
    ctx.options |= ssl.OP_LEGACY_SERVER_CONNECT
    if chain_pem is not None:
        _load_chain(ctx, chain_pem)
    return ctx
