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

from desktop.i18n import _
from desktop.models.db import OpenedDatabase

DEFAULT_LIMIT = 5


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("“{text}” is not a whole number").format(text=text)
        ) from None
    if not 1 <= value <= 200:
        raise argparse.ArgumentTypeError(_("the limit must be between 1 and 200"))
    return value


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    faq = commands.add_parser("faq", help=_("search, import and export the knowledge base"))
    actions = faq.add_subparsers(dest="action", metavar="ACTION", required=True)
    search = actions.add_parser("search", parents=[common], help=_("find articles, best first"))
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--limit", type=_limit, default=10)
    show = actions.add_parser("show", parents=[common], help=_("one article with its history"))
    show.add_argument("id", type=int)
    actions.add_parser("stale", parents=[common], help=_("articles due for review"))
    imp = actions.add_parser(
        "import", parents=[common], help=_("add or update articles from a JSON or CSV file")
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    exp = actions.add_parser(
        "export", parents=[common], help=_("write every article to a JSON or CSV file")
    )
    exp.add_argument("file", type=Path, metavar="FILE")

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
    triage.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT)


def faq_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    from desktop.cli.commands import emit
    from desktop.models import kb_search, knowledge

    if args.action == "search":
        hits = kb_search.search_articles(args.text, args.limit)
        found = [
            {"id": h.id, "title": h.title, "score": h.score, "snippet": h.snippet} for h in hits
        ]
        lines = [f"{h.id:>5}  {h.title}\n       {h.snippet}" for h in hits]
        emit(args, found, "\n".join(lines) or _("No article matches."))
    elif args.action == "show":
        article = knowledge.get_article(args.id)
        draft = knowledge.ArticleDraft.of(article)
        revisions = knowledge.history(article.id)
        shown: dict[str, Any] = {
            "id": article.id,
            "version": article.version,
            **knowledge.export_rows_for([article])[0],
            "history": [
                {"version": r.version, "at": r.at, "by": r.actor_id, "note": r.note}
                for r in revisions
            ],
        }
        text = "\n".join(
            [
                f"#{article.id} {draft.title}",
                knowledge.render(draft.body),
                _("Keywords: {k}").format(k=draft.keywords or "-"),
                _("Request types: {t}").format(t=", ".join(draft.types) or "-"),
                _("Review by: {d}").format(d=draft.review_by or "-"),
                _("Versions: {n}").format(n=len(revisions)),
            ]
        )
        emit(args, shown, text)
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
        result = knowledge.import_articles(args.file)
        emit(
            args,
            result,
            _("Imported {added} new and {updated} updated articles.").format(**result),
        )
    elif args.action == "export":
        count = knowledge.export_articles(args.file)
        emit(
            args,
            {"articles": count, "file": str(args.file)},
            _("Wrote {n} articles to {file}.").format(n=count, file=args.file),
        )


def triage_command(args: argparse.Namespace, opened: OpenedDatabase) -> None:
    from desktop.cli.commands import emit
    from desktop.models import triage

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
    lines += [f"  {a.score:8.2f}  #{a.id:<5} {a.title}" for a in result.articles] or [
        "  " + _("(none)")
    ]
    if result.explanation:
        lines.append(result.explanation)
    return "\n".join(lines)
