"""`python -m desktop` runs the same command as `frontcounter`."""

from desktop.entry import run

run()
