"""`frontcounter open311 key add|list|revoke` and `frontcounter serve open311`, as an
administrator and a script would use them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from desktop.app import main
from desktop.models.setup.opening import open_database
from desktop.models.storage.db import close_database
from desktop.models.storage.schema import PartnerKey

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def fc(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--demo", "40"]) == 0
    capsys.readouterr()

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_a_key_is_shown_once_and_kept_only_as_a_hash(fc, tmp_path):
    code, out, err = fc("open311", "key", "add", "Town website", "--types", "pothole,graffiti",
                        "--per-minute", "30", "--json")  # fmt: skip
    assert (code, err) == (0, "")
    made = json.loads(out)
    key = made["api_key"]
    assert len(key) >= 40 and made["service_codes"] == ["graffiti", "pothole"]
    assert made["per_minute"] == 30 and made["key_start"] == key[:6]
    assert key.encode() not in (tmp_path / "town.db").read_bytes()
    opened = open_database(tmp_path / "town.db")
    try:
        assert PartnerKey.get().key_hash != key
    finally:
        close_database(opened)

    code, out, _err = fc("open311", "key", "list")
    assert code == 0 and "Town website" in out and key[:6] in out and key not in out
    code, _out, err = fc("open311", "key", "add", "Town website")
    assert code == 1 and "already" in err
    code, _out, err = fc("open311", "key", "add", "Tree app", "--types", "no_such_type")
    assert code == 1 and "no_such_type" in err
    code, _out, err = fc("open311", "key", "add", "Fast", "--per-minute", "0")
    assert code == 1 and "minute" in err
    code, out, _err = fc("open311", "key", "revoke", "Town website", "--json")
    assert code == 0 and json.loads(out)["revoked"] is True
    code, _out, err = fc("open311", "key", "revoke", "Nobody")
    assert code == 1 and "Nobody" in err


def test_keys_are_an_administrators_once_staff_sign_in(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FRONTCOUNTER_ADMIN_PASSWORD", "admin password 1")
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    assert main([*base, "init", "--town", "Alder Falls", "--admin", "Ada Admin"]) == 0
    capsys.readouterr()
    assert main([*base, "open311", "key", "add", "Town website"]) == 1
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("FRONTCOUNTER_PASSWORD", "admin password 1")
    assert main([*base, "--user", "ada.admin", "open311", "key", "add", "Town website"]) == 0


def test_serve_answers_until_interrupted(tmp_path, fc):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    base = ["--basedir", str(tmp_path), "--db", str(tmp_path / "town.db")]
    server = subprocess.Popen(
        [sys.executable, "-m", "desktop", *base, "serve", "open311", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "Open311 GeoReport v2 at http://127.0.0.1:" in first, first
        url = first.split(" at ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "services.json", timeout=30) as answer:
            assert answer.headers["Content-Type"] == "application/json"
            assert json.loads(answer.read())
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Stopped." in err and "Traceback" not in err


def test_serve_says_when_the_port_is_taken(tmp_path, fc):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _out, err = fc("serve", "open311", "--port", str(port))
    assert code == 1 and "port" in err and "Traceback" not in err
