"""The command line: `frontcounter SUBCOMMAND`, human text by default and JSON with --json."""
