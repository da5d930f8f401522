"""Front Counter: a 311 system and citizen CRM for the front counter of a small town hall."""

__version__ = "0.1.0"
APP_NAME = "Front Counter"
