"""The town itself: its shared settings, office hours and holidays (the business calendar due
dates count on), and getting a new town ready."""
