"""Looking after a town: backups and restores, moving to PostgreSQL, residents' personal data,
and what is in a database."""
