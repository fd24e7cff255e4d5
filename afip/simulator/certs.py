"""Test certificates for the simulator: a CA standing in for AFIP's "Computadores Test", and client
certificates that carry `serialNumber=CUIT nnnnnnnnnnn` the way AFIP's do (WSAA specification). The same
CA signs the server certificate of a private TLS Redis (devtools.local_redis)."""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

CA_FILES = ("ca.pem", "ca-key.pem")


@dataclass(frozen=True)
class ClientCertificate:
    cert_path: str
    key_path: str
    ca_path: str


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write(path: str, data: bytes, private: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key_pem(private_key) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_or_create_ca(out_dir: str):
    cert_path, key_path = (os.path.join(out_dir, name) for name in CA_FILES)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as f:
            ca_cert = x509.load_pem_x509_certificate(f.read())
        with open(key_path, "rb") as f:
            ca_key = serialization.load_pem_private_key(f.read(), password=None)
        return ca_cert, ca_key
    ca_key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "AR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "encola AFIP simulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Computadores Test (simulador)"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    _write(cert_path, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(key_path, _key_pem(ca_key), private=True)
    return ca_cert, ca_key


def issue_client_certificate(out_dir: str, cuit: int, name: str | None = None, days: int = 730) -> ClientCertificate:
    """Write (or reuse) the CA in `out_dir` and a new client certificate for `cuit`.

    Without `name` the files are cert.pem and key.pem; with it, NAME-cert.pem and NAME-key.pem, as a
    second system of the same taxpayer would hold.
    """
    os.makedirs(out_dir, exist_ok=True)
    ca_cert, ca_key = _load_or_create_ca(out_dir)
    client_key = _new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "AR"),
            x509.NameAttribute(NameOID.COMMON_NAME, name or "encola"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"CUIT {cuit}"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(client_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(ca_key, hashes.SHA256())
    )
    prefix = f"{name}-" if name else ""
    cert_path = os.path.join(out_dir, f"{prefix}cert.pem")
    key_path = os.path.join(out_dir, f"{prefix}key.pem")
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    _write(key_path, _key_pem(client_key), private=True)
    return ClientCertificate(cert_path=cert_path, key_path=key_path, ca_path=os.path.join(out_dir, CA_FILES[0]))


def issue_server_certificate(out_dir: str, host: str = "127.0.0.1", days: int = 30) -> None:
    """Write (or reuse) the CA in `out_dir` and a server certificate for the IP address `host`, as
    server-cert.pem and server-key.pem (TLS clients check the address against its subjectAltName)."""
    os.makedirs(out_dir, exist_ok=True)
    ca_cert, ca_key = _load_or_create_ca(out_dir)
    key = _new_key()
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(os.path.join(out_dir, "server-cert.pem"), cert.public_bytes(serialization.Encoding.PEM))
    _write(os.path.join(out_dir, "server-key.pem"), _key_pem(key), private=True)
