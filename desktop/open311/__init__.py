"""The Open311 GeoReport v2 endpoint over HTTP: `app` (a WSGI application: paths, formats,
status codes and the spec's error lists) and `server` (waitress in a thread, for
`frontcounter serve open311` and the window). What it reads and writes is the core's
(`desktop.models.partners.georeport`)."""
