"""Imports of requests: a town's old spreadsheet or another 311 system's export, read and
checked whole (`reading`, `values`), its columns recognised (`columns`), its types, statuses,
channels and departments made the town's (`matching`), then saved in batches that can be
carried on after a crash and undone (`batches`)."""
