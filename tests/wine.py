"""A throwaway Wine prefix and the Windows programs run in it: for the installers' tests
(tests/test_windows.py) and the Windows write queue's benchmark
(benchmarks/concurrency_windows.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Wine:
    """A throwaway Wine prefix (64-bit, reporting Windows 10) and the programs run in it."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(prefix.parent),
            "WINEPREFIX": str(prefix),
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono or Gecko download prompts
            "LANG": "C.UTF-8",
        }
        if os.environ.get("DISPLAY"):
            self.env["DISPLAY"] = os.environ["DISPLAY"]

    def boot(self) -> None:
        subprocess.run(["wineboot", "-i"], env=self.env, check=True, timeout=300,
                       capture_output=True)  # fmt: skip
        self.run("reg", "add", r"HKCU\Software\Wine", "/v", "Version", "/d", "win10", "/f")
        subprocess.run(["wineserver", "-w"], env=self.env, check=False, timeout=300)

    def run(
        self, program: str | Path, *args: str, timeout: float = 300, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """A Windows program; its output through pipes (Wine hands Python no usable standard
        stream when it is a plain file)."""
        for attempt in (1, 2):
            done = subprocess.run(
                ["wine", str(program), *args], env=self.env, capture_output=True, text=True,
                stdin=subprocess.DEVNULL, timeout=timeout, check=False,
                encoding="utf-8", errors="replace",
            )  # fmt: skip
            # Once in four clean CI runs a command ended with 1 and not a word on either
            # stream (every failure of the program says a sentence): a process Wine did not
            # start. It is tried once more, and said, never hidden.
            silent = done.returncode == 1 and not (done.stdout.strip() or done.stderr.strip())
            if not (silent and attempt == 1):
                break
            print(f"\n[wine] {Path(program).name} {' '.join(args)}: exit 1, no output; again")
        if check and done.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done

    @property
    def home(self) -> Path:
        [user] = [p for p in (self.prefix / "drive_c" / "users").iterdir()
                  if p.name not in ("Public", "public")]  # fmt: skip
        return user

    @property
    def local_appdata(self) -> Path:
        return self.home / "AppData" / "Local"

    def windows(self, path: Path) -> str:
        """The Windows name of a file in the prefix's C: drive (or Z:, the Linux root)."""
        drive_c = self.prefix / "drive_c"
        if path.is_relative_to(drive_c):
            return "C:\\" + str(path.relative_to(drive_c)).replace("/", "\\")
        return "Z:" + str(path).replace("/", "\\")

    def registry(self, key: str) -> str:
        return self.run("reg", "query", key, check=False).stdout
