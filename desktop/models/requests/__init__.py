"""Service requests from intake to closure: intake, their life, the detail and corrections,
links, the list, search and views, tracking numbers, attachments, overdue, Open311 shapes, bulk
changes, my work, saved responses, addresses."""
