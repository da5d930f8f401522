"""A real IMAP server for the tests: Dovecot (Debian's dovecot-imapd, installed by .ci/run),
started on a free loopback port with its own configuration, one mailbox, plain IMAP."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER, PASSWORD = "town", "mailbox-password-1"


def available() -> bool:
    return shutil.which("dovecot") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Dovecot:
    """`oauth`: (the provider's userinfo address, its authority's certificate): the mailbox
    also takes XOAUTH2 and OAUTHBEARER, asking the provider whose each token is."""

    def __init__(self, oauth: tuple[str, Path] | None = None) -> None:
        # its own folder outside pytest's (0700) one: the login process runs as another user
        self.base = Path(tempfile.mkdtemp(prefix="fc-dovecot-"))
        self.base.chmod(0o755)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        root = os.getuid() == 0
        owner = pwd.getpwnam("dovecot") if root else pwd.getpwuid(os.getuid())
        home = self.base / "home"
        home.mkdir()
        os.chown(home, owner.pw_uid, owner.pw_gid)
        (self.base / "passwd").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{home}/{USER}::\n"
        )
        internal = "dovecot" if root else owner.pw_name
        mechanisms, oauth_passdb = "plain login", ""
        if oauth is not None:
            userinfo, ca = oauth
            shutil.copy(ca, self.base / "oauth-ca.pem")  # readable by the auth process
            (self.base / "oauth2.conf.ext").write_text(
                f"introspection_mode = auth\n"
                f"introspection_url = {userinfo}\n"
                f"username_attribute = sub\n"
                f"tls_ca_cert_file = {self.base}/oauth-ca.pem\n"
            )
            mechanisms += " xoauth2 oauthbearer"
            oauth_passdb = (
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"  args = {self.base}/oauth2.conf.ext\n}}\n"
            )
        login = "dovenull" if root else owner.pw_name
        (self.base / "dovecot.conf").write_text(
            f"""
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.base}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
# refusals are part of the tests: answered at once, and no growing penalty for loopback
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
first_valid_uid = 1
default_internal_user = {internal}
default_internal_group = {"dovecot" if root else pwd.getpwuid(os.getuid()).pw_name}
default_login_user = {login}
mail_location = maildir:{home}/%u/Maildir
{oauth_passdb}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.base}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.base}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.base / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                box = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                box.login(USER, PASSWORD)
                box.logout()
                return
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def deliver(self, *messages: bytes) -> None:
        box = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        box.login(USER, PASSWORD)
        for message in messages:
            box.append("INBOX", None, None, message)
        box.logout()

    def unseen(self) -> int:
        box = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        box.login(USER, PASSWORD)
        box.select("INBOX")
        _status, found = box.uid("SEARCH", "UNSEEN")
        box.logout()
        return len((found[0] or b"").split())
