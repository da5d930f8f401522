"""`python -m desktop` runs the same command as `frontcounter`."""

from desktop.app import run

run()
