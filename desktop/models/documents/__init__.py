"""What printing prints, gathered from the database as plain data: work orders, run sheets,
receipts, letters and their templates, the FAQ binder; and closing out a returned work order."""
