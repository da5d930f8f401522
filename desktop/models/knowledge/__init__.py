"""The knowledge base: articles, the words residents use, search, call scripts, the town's
placeholders, exchange with other towns, and triage of a caller's words."""
