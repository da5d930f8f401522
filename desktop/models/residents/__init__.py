"""Residents: finding them as the clerk types, their phones and emails, merging two records of
one resident."""
