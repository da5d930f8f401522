"""The program a bundled Front Counter starts (PyInstaller's entry point): the same `main` the
`frontcounter` command runs from a Python installation."""

import sys

from desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
