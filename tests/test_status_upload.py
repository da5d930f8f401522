"""The status page uploaded to the town's web host by FTPS and SFTP, against real servers on
loopback: every file arrives whole, pages no longer published leave the host, and the failures
people meet (a wrong password, an untrusted certificate, a changed server key, a server that is
down, a folder they may not write in) are said in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.errors import InputError
from desktop.models.reports import status_site, status_upload
from desktop.models.setup.demo import generate_demo
from desktop.models.town.settings import get_setting
from tests.upload_servers import FtpsServer, SftpServer, files_under, free_port, make_certificates

USER, PASSWORD = "webuser", "correct horse 9"


@pytest.fixture
def site(db, tmp_path: Path) -> Path:
    generate_demo(60, seed=3, actor=None)
    folder = tmp_path / "site"
    status_site.publish(folder, actor=None)
    return folder


@pytest.fixture
def certificates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tls"
    folder.mkdir()
    ca, server = make_certificates(folder)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # this computer trusts the test authority
    return server


def _remote(tmp_path: Path) -> Path:
    root = tmp_path / "host"
    root.mkdir(parents=True, exist_ok=True)
    return root


def test_ftps_puts_the_whole_site_and_removes_pages_no_longer_published(
    site: Path, certificates: Path, tmp_path: Path
):
    root = _remote(tmp_path)
    stale = root / "status" / "r" / "0000-gone.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("a request closed long ago", encoding="utf-8")
    with FtpsServer(root, certificates, USER, PASSWORD) as server:
        status_upload.save_target(
            f"ftps://{USER}@127.0.0.1:{server.port}/status", PASSWORD, actor=None
        )
        sent = status_upload.upload(site, actor=None)
    local = set(files_under(site))
    remote = set(files_under(root / "status"))
    assert remote == local and sent.files == len(local) and sent.removed == 1
    for name in local:
        assert (root / "status" / name).read_bytes() == (site / name).read_bytes()
    assert not any(name.endswith(".part") for name in remote)


def test_ftps_refuses_an_untrusted_certificate_and_a_wrong_password(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "tls"
    folder.mkdir()
    _ca, server_pem = make_certificates(folder)  # the authority is NOT trusted here
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    root = _remote(tmp_path)
    with FtpsServer(root, server_pem, USER, PASSWORD) as server:
        status_upload.save_target(f"ftps://{USER}@127.0.0.1:{server.port}/s", PASSWORD, actor=None)
        with pytest.raises(status_upload.UploadError, match="certificate this computer trusts"):
            status_upload.upload(site, actor=None)
    assert list(files_under(root)) == []  # nothing was sent


def test_ftps_wrong_password_is_said(site: Path, certificates: Path, tmp_path: Path):
    root = _remote(tmp_path)
    with FtpsServer(root, certificates, USER, PASSWORD) as server:
        status_upload.save_target(f"ftps://{USER}@127.0.0.1:{server.port}/s", "wrong", actor=None)
        with pytest.raises(status_upload.UploadError, match="refused the user name or the pass"):
            status_upload.upload(site, actor=None)
    assert list(files_under(root)) == []


def test_sftp_puts_the_site_and_knows_the_server_by_its_key(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    root = _remote(tmp_path)
    with SftpServer(root, USER, PASSWORD) as server:
        status_upload.save_target(
            f"sftp://{USER}@127.0.0.1:{server.port}/www/status", PASSWORD, actor=None
        )
        first = status_upload.upload(site, actor=None)
        kept = str(get_setting("status.upload_host_key"))
        assert kept and kept == first.host_key
        again = status_upload.upload(site, actor=None)  # the same server: known, accepted
    assert set(files_under(root / "www" / "status")) == set(files_under(site))
    assert again.files == first.files
    moved = _remote(tmp_path / "moved")
    monkeypatch.setenv(status_upload.PASSWORD_VARIABLE, PASSWORD)  # as a script gives it
    with SftpServer(moved, USER, PASSWORD) as other:  # another server, another key
        target = status_upload.parse_target(f"sftp://{USER}@127.0.0.1:{other.port}/www/status")
        with pytest.raises(status_upload.UploadError, match="another key"):
            status_upload.upload(site, actor=None, target=target)
    assert list(files_under(moved)) == []


def test_sftp_wrong_password_and_a_folder_it_may_not_write(site: Path, tmp_path: Path):
    root = _remote(tmp_path)
    (root / "locked").mkdir()
    (root / "locked" / ".read-only").write_text("", encoding="utf-8")
    with SftpServer(root, USER, PASSWORD) as server:
        status_upload.save_target(f"sftp://{USER}@127.0.0.1:{server.port}/s", "nope", actor=None)
        with pytest.raises(status_upload.UploadError, match="refused the user name"):
            status_upload.upload(site, actor=None)
        status_upload.save_target(
            f"sftp://{USER}@127.0.0.1:{server.port}/locked", PASSWORD, actor=None
        )
        with pytest.raises(status_upload.UploadError, match="may not write"):
            status_upload.upload(site, actor=None)


def test_a_server_that_is_down_and_addresses_that_are_not_ones(site: Path):
    port = free_port()  # nobody listens there
    status_upload.save_target(f"sftp://{USER}@127.0.0.1:{port}/s", PASSWORD, actor=None)
    with pytest.raises(status_upload.UploadError, match="refused the connection"):
        status_upload.upload(site, actor=None)
    for wrong, said in (
        ("http://host/x", "not an SFTP or FTPS address"),
        ("sftp://host/x", "needs a user"),
        ("sftp://u:secret@host/x", "Leave the password out"),
        ("ftps://u@host:99999/x", "port"),
        ("sftp://u@host/../etc", "climb out"),
    ):
        with pytest.raises(InputError, match=said):
            status_upload.parse_target(wrong)


def test_the_command_line_sets_up_and_uploads(tmp_path: Path, capsys, monkeypatch):
    root = _remote(tmp_path)
    base = ["--basedir", str(tmp_path / "base"), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls"]) == 0
    monkeypatch.setenv(status_upload.PASSWORD_VARIABLE, PASSWORD)
    with SftpServer(root, USER, PASSWORD) as server:
        url = f"sftp://{USER}@127.0.0.1:{server.port}/status"
        assert main([*base, "publish", "setup", "--upload", url, "--json"]) == 0
        capsys.readouterr()
        out = tmp_path / "site"
        assert main([*base, "publish", "status", "--out", str(out), "--upload", "--json"]) == 0
        said = json.loads(capsys.readouterr().out)
    assert said["upload"]["files"] == len(list(files_under(out))) > 0
    assert set(files_under(root / "status")) == set(files_under(out))
    assert main([*base, "publish", "setup", "--upload", "", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["upload"] == ""
