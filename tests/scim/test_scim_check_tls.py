"""The SCIM check over https: a valid certificate, and the problems Okta refuses.

The certificates are made here with cryptography (which the okta SDK already
pulls in), signed by a test authority that the check trusts through
SSL_CERT_FILE: the environment is the seam, the TLS handshake is real.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from scim_support import Run, StubFactory

NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    pem: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    san: x509.GeneralName | None = None,
    expired: bool = False,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (_name(subject), key)
    start, end = (NOW - 30 * DAY, NOW - DAY) if expired else (NOW - DAY, NOW + 30 * DAY)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )
    if issuer is None and san is None:
        constraints = x509.BasicConstraints(ca=True, path_length=None)
        builder = builder.add_extension(constraints, critical=True)
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([san]), False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("agora-okta test authority", key, None)
    pem = tmp_path_factory.mktemp("tls") / "authority.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Authority(key, cert, pem)


def _server_context(
    authority: Authority,
    tmp_path: Path,
    *,
    host: str,
    expired: bool = False,
    signed: bool = True,
) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    san: x509.GeneralName
    if host[0].isdigit():
        san = x509.IPAddress(ipaddress.ip_address(host))
    else:
        san = x509.DNSName(host)
    issuer = (authority.cert.subject, authority.key) if signed else None
    cert = _certificate(host, key, issuer, san=san, expired=expired)

    chain = tmp_path / "server.pem"
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return context


@pytest.fixture
def trusted(authority: Authority, monkeypatch: pytest.MonkeyPatch) -> Authority:
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return authority


def test_a_valid_certificate_passes(
    trusted: Authority, tmp_path: Path, stub: StubFactory, run_check: Run
) -> None:
    server = stub(tls=_server_context(trusted, tmp_path, host="127.0.0.1"))

    report, lines = run_check(server.base_url)

    assert report.ok
    assert lines[1] == "✓ https to 127.0.0.1: certificate valid"
    assert lines[-1] == "5 checks passed."


MISMATCH = "use the host name the certificate is issued for, or fix the certificate"


@pytest.mark.parametrize(
    ("url_host", "host", "expired", "signed", "problem", "fix"),
    [
        (
            "127.0.0.1",
            "127.0.0.1",
            True,
            True,
            "certificate has expired",
            "the certificate must be renewed on the server",
        ),
        (
            "127.0.0.1",
            "agora.example.com",
            False,
            True,
            "IP address mismatch, certificate is not valid for '127.0.0.1'",
            MISMATCH,
        ),
        (
            "localhost",
            "agora.example.com",
            False,
            True,
            "Hostname mismatch, certificate is not valid for 'localhost'",
            MISMATCH,
        ),
        (
            "127.0.0.1",
            "127.0.0.1",
            False,
            False,
            "self-signed certificate",
            "use a certificate from a public certificate authority, as Okta "
            "requires; if this machine inspects TLS through a proxy, set "
            "SSL_CERT_FILE to the proxy's CA bundle",
        ),
    ],
)
def test_certificate_problems_are_named(
    trusted: Authority,
    tmp_path: Path,
    stub: StubFactory,
    run_check: Run,
    url_host: str,
    host: str,
    expired: bool,
    signed: bool,
    problem: str,
    fix: str,
) -> None:
    context = _server_context(
        trusted, tmp_path, host=host, expired=expired, signed=signed
    )
    server = stub(tls=context)
    port = server.base_url.split(":")[2].split("/")[0]
    base_url = server.base_url.replace("127.0.0.1", url_host)

    report, lines = run_check(base_url)

    assert not report.ok
    assert lines[1:] == [
        f"✗ Connect to https://{url_host}:{port}",
        f"    cause: the TLS certificate of {url_host} is refused: {problem}",
        f"    fix:   {fix}",
        "1 check failed.",
    ]
    assert server.requests == []
