"""The town's map: GIS files read (`gis_files`: GeoJSON, CSV, shapefiles, reprojected to
WGS84) and the address register filled from them (`register_import`), the requests matched
to it. Looking an address up is `town.register` (intake uses it too)."""
