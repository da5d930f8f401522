"""Where the town's records are kept: opening the database (SQLite file or PostgreSQL), the
schema, the one write path and its queue, integrity checks, who has the file open,
whole-or-nothing files and the keyring."""
