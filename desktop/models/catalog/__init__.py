"""What residents can ask for: departments, request types and their questions, routing rules,
and the catalog as a file."""
