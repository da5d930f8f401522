"""`frontcounter faq ...` and `frontcounter triage ...`: the knowledge base and triage.

The JSON shapes are fixed (other tools read them): `faq search` prints an array of
{"id", "title", "score", "snippet"}; `triage` prints {"types": [{"code", "name", "score"}],
"faq": [{"id", "title", "score"}]}, and with no TEXT reads one query per line from standard
input and writes one such object per line, in order.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desktop.cli.arguments import record_id
from desktop.cli.output import emit
from desktop.cli.registry import command
from desktop.i18n import _, ngettext
from desktop.models.knowledge import articles as knowledge
from desktop.models.knowledge import exchange as kb_exchange
from desktop.models.knowledge import placeholders as kb_placeholders
from desktop.models.knowledge import search as kb_search
from desktop.models.knowledge import triage
from desktop.models.storage.db import OpenedDatabase

DEFAULT_LIMIT = 5
#: the most results each command gives (triage suggests a few; a search may list a page)
MOST_ARTICLES = 200
MOST_SUGGESTIONS = 50


def _limit(most: int) -> Any:
    """An --limit checker: a whole number from 1 to `most`, or a clear refusal."""

    def checked(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("“{text}” is not a whole number").format(text=text)
            ) from None
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(
                _("the limit must be between 1 and {most}").format(most=most)
            )
        return value

    return checked


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    faq = commands.add_parser("faq", help=_("search, import and export the knowledge base"))
    actions = faq.add_subparsers(dest="action", metavar="ACTION", required=True)
    search = actions.add_parser("search", parents=[common], help=_("find articles, best first"))
    search.add_argument("text", metavar="TEXT")
    search.add_argument(
        "--limit",
        type=_limit(MOST_ARTICLES),
        default=10,
        help=_("how many articles, 1 to {most}").format(most=MOST_ARTICLES),
    )
    show = actions.add_parser("show", parents=[common], help=_("one article with its history"))
    show.add_argument("id", type=record_id)
    actions.add_parser("stale", parents=[common], help=_("articles due for review"))
    imp = actions.add_parser(
        "import", parents=[common], help=_("add or update articles from a JSON or CSV file")
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    exp = actions.add_parser(
        "export",
        parents=[common],
        help=_("write the knowledge base to a JSON file (with synonyms and call scripts) or CSV"),
    )
    exp.add_argument("file", type=Path, metavar="FILE")
    blanks = actions.add_parser(
        "placeholders",
        parents=[common],
        help=_("the {placeholders} articles and call scripts use, and what the town filled in"),
    )
    blank_actions = blanks.add_subparsers(dest="placeholder_action", metavar="set")
    fill = blank_actions.add_parser(
        "set", parents=[common], help=_("fill in a placeholder (supervisors)")
    )
    fill.add_argument("name", metavar="NAME")
    fill.add_argument("value", metavar="VALUE", help=_('the text; "" empties it'))

    triage = commands.add_parser(
        "triage",
        parents=[common],
        help=_("suggest request types and articles for what a caller said"),
    )
    triage.add_argument(
        "text",
        nargs="?",
        metavar="TEXT",
        help=_("what the caller said; with none, one query per line is read from standard input"),
    )
    triage.add_argument(
        "--limit",
        type=_limit(MOST_SUGGESTIONS),
        default=DEFAULT_LIMIT,
        help=_("how many types and articles, 1 to {most}").format(most=MOST_SUGGESTIONS),
    )


def faq_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.action == "search":
        hits = kb_search.search_articles(args.text, args.limit)
        found = [
            {"id": h.id, "title": h.title, "score": h.score, "snippet": h.snippet} for h in hits
        ]
        lines = [f"{h.id:>5}  {h.title}{_staff(h)}\n       {h.snippet}" for h in hits]
        emit(args, found, "\n".join(lines) or _("No article matches."))
    elif args.action == "show":
        _show(args, knowledge.get_article(args.id))
    elif args.action == "stale":
        stale = knowledge.stale_articles()
        due = [{"id": a.id, "title": a.title, "review_by": a.review_by} for a in stale]
        emit(
            args,
            due,
            "\n".join(f"{a.review_by}  #{a.id} {a.title}" for a in stale)
            or _("Every article is up to date."),
        )
    elif args.action == "import":
        result = kb_exchange.import_articles(args.file, args.signed_in)
        emit(args, result.as_json(), result.summary())
    elif args.action == "export":
        count = kb_exchange.export_articles(args.file)
        csv_only = args.file.suffix.lower() == ".csv"
        emit(
            args,
            {"articles": count, "file": str(args.file)},
            _("Wrote {n} articles to {file}.").format(n=count, file=args.file)
            + (
                " "
                + _("(A CSV file holds the articles; JSON also holds synonyms and call scripts.)")
                if csv_only
                else ""
            ),
        )
    elif args.action == "placeholders":
        _placeholders(args)


def _show(args: argparse.Namespace, article: Any) -> None:
    draft = knowledge.ArticleDraft.of(article)
    revisions = knowledge.history(article.id)
    names = knowledge.author_names(revisions)

    def by(revision: Any) -> str:
        return names.get(revision.actor_id, "") if revision.actor_id else ""

    shown: dict[str, Any] = {
        "id": article.id,
        "version": article.version,
        **kb_exchange.export_rows_for([article])[0],
        "history": [
            {"version": r.version, "at": r.at, "by": by(r), "note": r.note} for r in revisions
        ],
    }
    lines = [
        f"#{article.id} {knowledge.render(draft.title)}",
        knowledge.render(draft.body),
        _("Keywords: {k}").format(k=draft.keywords or "-"),
        _("Request types: {t}").format(t=", ".join(draft.types) or "-"),
        _("Audience: {a}").format(a=_("staff only") if draft.audience == "staff" else _("public")),
        _("Review by: {d}").format(d=draft.review_by or "-"),
        _("History:"),
    ]
    for revision in revisions:
        lines.append(
            "  "
            + _("version {v}, {at} by {who}{note}").format(
                v=revision.version,
                at=f"{revision.at:%Y-%m-%d %H:%M}",
                who=by(revision) or _("(nobody signed in)"),
                note=f": {revision.note}" if revision.note else "",
            )
        )
    emit(args, shown, "\n".join(lines))


def _placeholders(args: argparse.Namespace) -> None:
    if getattr(args, "placeholder_action", None) == "set":
        filled = kb_placeholders.set_value(args.name, args.value, args.signed_in)
        emit(
            args,
            filled.as_json(),
            _("{{{name}}} is now “{value}”.").format(name=filled.name, value=filled.value)
            if filled.filled
            else _("{{{name}}} is now empty: it shows as “{marker}”.").format(
                name=filled.name, marker=kb_placeholders.unfilled_marker(filled.name)
            ),
        )
        return
    found = kb_placeholders.placeholders()
    empty = [p for p in found if not p.filled]
    lines = [
        ngettext(
            "{n} placeholder is not filled in yet.",
            "{n} placeholders are not filled in yet.",
            len(empty),
        ).format(n=len(empty))
        if empty
        else _("Every placeholder is filled in.")
    ]
    for placeholder in found:
        value = placeholder.value if placeholder.filled else _("(not filled in)")
        source = "  " + _("(from Settings)") if placeholder.setting else ""
        lines.append(f"{{{placeholder.name}}}  {value}{source}")
        lines += [f"      {where}" for where in placeholder.used_in[:5]]
        if len(placeholder.used_in) > 5:
            lines.append("      " + _("and {n} more").format(n=len(placeholder.used_in) - 5))
    emit(args, [p.as_json() for p in found], "\n".join(lines))


def triage_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    if args.text is None:
        for line in sys.stdin:
            result = triage.triage(line.rstrip("\n"), args.limit)
            if args.json:
                sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
            else:
                sys.stdout.write(_text(result) + "\n\n")
            sys.stdout.flush()
        return
    result = triage.triage(args.text, args.limit)
    emit(args, result.as_json(), _text(result))


def _text(result: Any) -> str:
    lines = [_("Request types:")]
    lines += [f"  {t.score:8.2f}  {t.code:<28} {t.name}" for t in result.types] or [
        "  " + _("(none)")
    ]
    lines.append(_("Articles:"))
    lines += [f"  {a.score:8.2f}  #{a.id:<5} {a.title}{_staff(a)}" for a in result.articles] or [
        "  " + _("(none)")
    ]
    if result.explanation:
        lines.append(result.explanation)
    return "\n".join(lines)


def _staff(hit: Any) -> str:
    """The mark after a staff-only article's title (never read to a caller)."""
    return "  " + _("[staff only]") if getattr(hit, "staff_only", False) else ""


COMMANDS = (
    # listing placeholders reads; setting one is checked by the core
    command("faq", faq_command, reads={"search", "show", "stale", "export", "placeholders"}),
    command("triage", triage_command, reads={""}),
)
