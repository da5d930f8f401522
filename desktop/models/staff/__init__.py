"""The people who use Front Counter: staff members, what each role may do, passwords and signing
in, and the hash-chained audit trail with its witness."""
