"""The program a bundled Front Counter starts (PyInstaller's entry point): the same `run` the
`frontcounter` command runs from a Python installation."""

from desktop.entry import run

if __name__ == "__main__":
    run()
