"""Partners' systems: the Open311 GeoReport v2 service (what it reads and how a post becomes a
request) and the keys that let a partner post."""
