"""The window: Qt only. It calls the core in desktop.models; no SQL, no business rule."""
