"""Residents hear back: the outbox of notices (schema version 11).

- `notices`: a notice queued in the same transaction as the change it tells of (a request
  received, a public update, resolved, reopened), by email or by letter as the resident can
  be reached, merged from the town's letter templates (town/letters.py);
- `mail`: the town's mail server (SMTP), its password in the keyring, the failures people meet
  said in their words;
- `delivery`: sending, exactly once across workstations (a lease on each message, and the
  moment of handing over recorded before the server is told "that is all"), retried with
  back-off while the server is down; the letter batch for those who are written to.
"""
