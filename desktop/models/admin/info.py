"""What is in a database: the facts `frontcounter info` prints."""

from __future__ import annotations

from typing import Any

from desktop import __version__
from desktop.models.setup.versions import LATEST_VERSION, schema_version
from desktop.models.storage.db import OpenedDatabase
from desktop.models.storage.schema import MODELS
from desktop.models.town.settings import get_setting


def database_info(opened: OpenedDatabase) -> dict[str, Any]:
    counts = {model._meta.table_name: model.select().count() for model in MODELS}
    return {
        "database": opened.location,
        "kind": opened.kind.value,
        "read_only": opened.read_only,
        "read_only_reason": opened.read_only_reason,
        "schema_version": schema_version(opened.db),
        "app_schema_version": LATEST_VERSION,
        "app_version": __version__,
        "town": get_setting("town.name"),
        "counts": counts,
    }
