"""Real servers on loopback for the status page's upload: FTPS (pyftpdlib, explicit TLS with a
certificate from a throwaway authority) and SFTP (paramiko's server side over a real SSH
connection, files in a temporary folder). Both speak their protocols in full; nothing here
pretends to be a server."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# -- a certificate authority and a server certificate for 127.0.0.1 ---------------------------


def make_certificates(folder: Path) -> tuple[Path, Path]:
    """(the authority's certificate, the server's certificate and key in one PEM), the server
    being 127.0.0.1 and localhost."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Front Counter test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    both = folder / "server.pem"
    both.write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return ca_file, both


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- FTPS ---------------------------------------------------------------------------------------


class FtpsServer:
    def __init__(self, root: Path, certfile: Path, user: str, password: str) -> None:
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import TLS_FTPHandler
        from pyftpdlib.servers import ThreadedFTPServer

        authorizer = DummyAuthorizer()
        authorizer.add_user(user, password, str(root), perm="elradfmwMT")

        class Handler(TLS_FTPHandler):
            pass

        Handler.certfile = str(certfile)
        Handler.authorizer = authorizer
        Handler.tls_control_required = True
        Handler.tls_data_required = True
        Handler.passive_ports = range(60000, 60200)
        self.port = free_port()
        self.server = ThreadedFTPServer(("127.0.0.1", self.port), Handler)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # the server is closed by the thread that polls it: closed from outside, its poller
        # went away under a poll() still waiting (EBADF in the thread)
        while not self.stopping.is_set():
            self.server.serve_forever(timeout=0.1, blocking=False)
        self.server.close_all()

    def __enter__(self) -> FtpsServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)


# -- SFTP ---------------------------------------------------------------------------------------


class _Auth(paramiko.ServerInterface):
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def check_auth_password(self, username: str, password: str) -> int:
        if (username, password) == (self.user, self.password):
            return int(paramiko.AUTH_SUCCESSFUL)
        return int(paramiko.AUTH_FAILED)

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return int(paramiko.OPEN_SUCCEEDED)
        return int(paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> Any:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _Files(paramiko.SFTPServerInterface):
    """A folder served as the SFTP root (paths outside it are refused)."""

    root: Path = Path("/nonexistent")

    def _real(self, path: str) -> Path:
        real = (self.root / path.lstrip("/")).resolve()
        if real != self.root and self.root not in real.parents:
            raise PermissionError(path)
        return real

    def list_folder(self, path: str) -> Any:
        try:
            folder = self._real(path)
            return [
                paramiko.SFTPAttributes.from_stat(entry.stat(), entry.name)
                for entry in folder.iterdir()
            ]
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno or 2)

    def stat(self, path: str) -> Any:
        try:
            return paramiko.SFTPAttributes.from_stat(self._real(path).stat())
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno or 2)

    lstat = stat

    def open(self, path: str, flags: int, attr: Any) -> Any:
        try:
            real = self._real(path)
            if self.read_only(real):
                return paramiko.SFTP_PERMISSION_DENIED
            fd = os.open(real, flags, 0o644)
            mode = "wb" if flags & (os.O_WRONLY | os.O_RDWR) else "rb"
            handle = _Handle(flags)
            handle.filename = str(real)
            file = os.fdopen(fd, mode)
            handle.readfile = file
            handle.writefile = file
            return handle
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno or 2)

    def read_only(self, real: Path) -> bool:
        return (real.parent / ".read-only").exists()

    def remove(self, path: str) -> int:
        try:
            self._real(path).unlink()
        except OSError as exc:
            return int(paramiko.SFTPServer.convert_errno(exc.errno or 2))
        return int(paramiko.SFTP_OK)

    def rename(self, old: str, new: str) -> int:
        try:
            self._real(old).replace(self._real(new))
        except OSError as exc:
            return int(paramiko.SFTPServer.convert_errno(exc.errno or 2))
        return int(paramiko.SFTP_OK)

    posix_rename = rename

    def mkdir(self, path: str, attr: Any) -> int:
        try:
            self._real(path).mkdir()
        except OSError as exc:
            return int(paramiko.SFTPServer.convert_errno(exc.errno or 2))
        return int(paramiko.SFTP_OK)


class SftpServer:
    """An SSH server with SFTP on loopback, one connection at a time, files under `root`."""

    def __init__(self, root: Path, user: str, password: str) -> None:
        self.root = root.resolve()
        self.user, self.password = user, password
        self.host_key = (
            paramiko.Ed25519Key.generate()
            if hasattr(paramiko.Ed25519Key, "generate")
            else paramiko.RSAKey.generate(2048)
        )
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = int(self.listener.getsockname()[1])
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.transports: list[paramiko.Transport] = []

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(connection)
            transport.add_server_key(self.host_key)
            files = type("Files", (_Files,), {"root": self.root})
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, files)
            try:
                transport.start_server(server=_Auth(self.user, self.password))
            except (paramiko.SSHException, EOFError, OSError):
                continue
            self.transports.append(transport)

    def __enter__(self) -> SftpServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=10)
        for transport in self.transports:
            transport.close()


def files_under(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path.relative_to(root).as_posix()
