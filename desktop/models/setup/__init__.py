"""A town's database made and kept current: schema migrations, the starter content, the first
run and the demo town."""
