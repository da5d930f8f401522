"""`python -m desktop` runs the same command as `frontcounter`."""

import sys

from desktop.app import main

sys.exit(main())
