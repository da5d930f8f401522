"""`frontcounter addresses import|check|place|places|unplace|unlisted|match` and
`frontcounter streets import`: the town's address register."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop import printing
from desktop.cli.arguments import chosen_statuses
from desktop.cli.output import emit
from desktop.cli.print_commands import day_argument, write_pdf
from desktop.cli.registry import command
from desktop.i18n import _
from desktop.models.documents import gather as documents
from desktop.models.errors import InputError
from desktop.models.geo import maps, register_import
from desktop.models.requests.listing import RequestFilter
from desktop.models.requests.lookups import ids_by_code
from desktop.models.storage.db import OpenedDatabase, reading
from desktop.models.town import register
from desktop.models.town.settings import get_setting


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help=_("GeoJSON, CSV or shapefile"))
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help=_("take FIELD from COLUMN (FIELD= leaves it out); may be given again"),
    )
    parser.add_argument(
        "--crs",
        default="",
        help=_("the file's coordinate system when it does not say (EPSG:2256, say)"),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help=_("say what would come in; change nothing")
    )


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    addresses = commands.add_parser("addresses", help=_("the town's address register"))
    actions = addresses.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "import",
        parents=[common],
        help=_("replace the register's addresses with a county's address points"),
    )
    _import_options(load)
    load.add_argument(
        "--no-match",
        action="store_true",
        help=_("do not check the requests already here against the new register"),
    )
    check = actions.add_parser(
        "check",
        parents=[common],
        help=_("where an address is (with none: one per line from standard input)"),
    )
    check.add_argument("addresses", nargs="*", metavar="ADDRESS")
    place = actions.add_parser(
        "place", parents=[common], help=_("a place the town calls by name (the library)")
    )
    place.add_argument("name")
    place.add_argument("--at", default="", metavar="ADDRESS", help=_("its address"))
    place.add_argument("--lat", type=float)
    place.add_argument("--long", type=float)
    place.add_argument("--alias", action="append", default=[], help=_("another name it goes by"))
    actions.add_parser("places", parents=[common], help=_("the town's named places"))
    unplace = actions.add_parser(
        "unplace", parents=[common], help=_("remove a named place from the register")
    )
    unplace.add_argument("name")
    actions.add_parser(
        "unlisted",
        parents=[common],
        help=_("requests whose address is not in the register, for review"),
    )
    match = actions.add_parser(
        "match", parents=[common], help=_("check the requests' addresses against the register")
    )
    match.add_argument("--all", action="store_true", help=_("those checked before too"))

    streets = commands.add_parser("streets", help=_("the town's street centerlines"))
    street_actions = streets.add_subparsers(dest="action", metavar="ACTION", required=True)
    street_load = street_actions.add_parser(
        "import",
        parents=[common],
        help=_("replace the register's streets with a county's centerlines (with their ranges)"),
    )
    _import_options(street_load)

    drawn = commands.add_parser(
        "map",
        parents=[common],
        help=_("the requests on the town's streets, as a picture (.png) or a page (.pdf)"),
    )
    drawn.add_argument("--out", type=Path, required=True, metavar="FILE.png|FILE.pdf")
    drawn.add_argument("--open", action="store_true", help=_("open requests only"))
    drawn.add_argument("--status", action="append", default=[], metavar="STATUS")
    drawn.add_argument("--type", action="append", default=[], metavar="CODE")
    drawn.add_argument("--department", action="append", default=[], metavar="CODE")
    drawn.add_argument("--from", dest="start", type=day_argument, metavar="DATE")
    drawn.add_argument("--to", dest="end", type=day_argument, metavar="DATE")
    drawn.add_argument("--title", default="", help=_("the map's title"))


def addresses_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    action = args.action
    if action == "import":
        loaded = register_import.import_addresses(
            args.file, fields=args.map, crs=args.crs, actor=args.signed_in, dry_run=args.dry_run
        )
        if not args.dry_run and not args.no_match:
            loaded.matched_requests = register_import.match_requests()["found"]
        _emit_loaded(args, loaded, _("addresses"))
    elif action == "check":
        _check(args)
    elif action == "place":
        if (args.lat is None) != (args.long is None):
            raise InputError(_("Give both --lat and --long, or --at an address."))
        found = register_import.add_place(
            args.name,
            at=args.at,
            lat=args.lat,
            long=args.long,
            aliases=args.alias,
            actor=args.signed_in,
        )
        emit(
            args,
            found.as_dict(),
            _("{name} is at {lat:.6f}, {long:.6f}.").format(
                name=found.address, lat=found.lat, long=found.long
            ),
        )
    elif action == "unplace":
        register_import.remove_place(args.name, actor=args.signed_in)
        emit(
            args,
            {"removed": args.name},
            _("{name} is no longer a named place.").format(name=args.name),
        )
    elif action == "places":
        named = register_import.places()
        lines = [
            f"{p['name']}  {p['lat']:.6f}, {p['long']:.6f}  {p['address']}"
            + (f"  ({p['aliases']})" if p["aliases"] else "")
            for p in named
        ] or [_("The town has no named places yet.")]
        emit(args, named, "\n".join(lines))
    elif action == "unlisted":
        waiting = register_import.unlisted()
        lines = [f"{r['tracking_number']}  {r['address']}" for r in waiting] or [
            _("Every request's address is in the register (or was not checked yet).")
        ]
        emit(args, waiting, "\n".join(lines))
    else:
        counts = register_import.match_requests(everything=args.all)
        emit(
            args,
            counts,
            _(
                "Checked {checked:,} requests: {found:,} found, {unlisted:,} not in the register."
            ).format(**counts),
        )


def _check(args: argparse.Namespace) -> None:
    said = list(args.addresses)
    if said:
        with reading():
            found = [register.check(text) for text in said]
        if args.json:
            emit(args, [f.as_dict() for f in found] if len(found) > 1 else found[0].as_dict(), "")
            return
        for one in found:
            print(_describe(one))
        return
    for line in sys.stdin:  # one answer per line, as each comes: a pipe from another program
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        with reading():
            one = register.check(text)
        print(json.dumps(one.as_dict(), ensure_ascii=False) if args.json else _describe(one))
        sys.stdout.flush()


def _describe(one: register.Checked) -> str:
    if one.match is not None:
        how = {
            "point": _("its own point"),
            "range": _("placed along the street by its number"),
            "intersection": _("where the streets meet"),
            "place": _("a named place"),
        }[one.match.source]
        return _("{input} → {address} ({lat:.6f}, {long:.6f}; {how})").format(
            input=one.input,
            address=one.match.address,
            lat=one.match.lat,
            long=one.match.long,
            how=how,
        )
    if one.suggestions:
        return _("{input} → not found; did you mean: {suggestions}?").format(
            input=one.input, suggestions="; ".join(one.suggestions)
        )
    return _("{input} → not in the register").format(input=one.input)


def _emit_loaded(args: argparse.Namespace, loaded: register_import.Loaded, what: str) -> None:
    lines = [
        (
            _("Would take {imported:,} of {rows:,} {what} from the file.")
            if args.dry_run
            else _("The register now has {imported:,} {what} (of {rows:,} in the file).")
        ).format(imported=loaded.imported, rows=loaded.rows, what=what),
        _("Columns: {fields}.").format(
            fields=", ".join(f"{k} ← {v}" for k, v in loaded.fields.items())
        ),
    ]
    for item in loaded.rejected[:20]:
        lines.append(_("Row {row} left out: {reason}.").format(**item))
    if len(loaded.rejected) > 20:
        lines.append(
            _("… and {n} more (--json lists them all).").format(n=len(loaded.rejected) - 20)
        )
    if loaded.matched_requests:
        lines.append(
            _("{n:,} requests already here were found in it.").format(n=loaded.matched_requests)
        )
    emit(args, loaded.as_dict(), "\n".join(lines))


def streets_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    loaded = register_import.import_streets(
        args.file, fields=args.map, crs=args.crs, actor=args.signed_in, dry_run=args.dry_run
    )
    _emit_loaded(args, loaded, _("street pieces"))


def map_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    suffix = args.out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise InputError(_("The map is written as a .png picture or a .pdf page."))
    if args.start and args.end and args.end < args.start:
        raise InputError(_("The dates end before they start: check --from and --to."))
    filters = RequestFilter(
        statuses=tuple(chosen_statuses(args.status)),
        open_only=args.open,
        service_type_ids=ids_by_code("type", args.type),
        department_ids=ids_by_code("department", args.department),
        received_from=args.start,
        received_to=args.end,
    )
    span = " – ".join(d.isoformat() for d in (args.start, args.end) if d)
    with reading():
        town = get_setting("town.name")
    data = maps.requests_map(
        filters,
        title=args.title or _("Requests in {town}").format(town=town or _("the town")),
        subtitle=span,
    )
    if suffix == ".png":
        body = printing.render_png(data)
    else:
        body = printing.build_map_pdf(data, documents.page_setup())
    write_pdf(args.out, body)
    emit(
        args,
        {"file": str(args.out), "points": len(data.points), "lines": len(data.lines)},
        _("Wrote {path}: {n:,} requests on {lines:,} pieces of street.").format(
            path=args.out, n=len(data.points), lines=len(data.lines)
        ),
    )


COMMANDS = (
    command("addresses", addresses_command, reads={"check", "places", "unlisted"}),
    command("streets", streets_command),
    command("map", map_command, reads={""}),
)
