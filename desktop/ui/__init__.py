"""The window: Qt only. It calls the core in desktop.models and holds no SQL and no business rule."""
