"""Commands on code articles: ``article`` (write one) and ``ingest`` (check them)."""

from __future__ import annotations

import argparse
import sys

from ..errors import WorkbookError
from .options import Shared


def add_article(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "article",
        parents=[shared.fee_year, shared.date],
        help="write a code article in the seed article's shape",
        description="Write the knowledge article of a code from the tables, in the founding "
        "article's shape and the workbook's own words: explanation, names, RVUs, typical "
        "diagnoses (headers named as such, with the codes to bill instead), summary, disclaimer.",
    )
    p.add_argument(
        "codes", nargs="*", metavar="CODE", help="CPT/HCPCS code(s) such as 97012 or 00100"
    )
    p.add_argument("--all", action="store_true", help="every code with plain-language facts")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--out", help="write the one article to this file instead of printing it")
    out.add_argument("--out-dir", help="write each article to DIR/CODE.txt (a progress bar shows)")
    p.set_defaults(func=_article)


def _article(args: argparse.Namespace) -> None:
    from ..articles.text import render
    from ..articles.writer import article_for, write_articles
    from ..files import atomic_write, check_output
    from ..reference.loaders import load_codes

    codes = load_codes()["code"].tolist() if args.all else args.codes
    if not codes:
        raise WorkbookError("no code given", "name one or more codes, or use --all")
    if args.out_dir:
        paths = write_articles(codes, args.out_dir, year=args.year, date_of_service=args.date)
        print(f"{len(paths)} article(s) written to {args.out_dir}")
        return
    if len(codes) > 1:
        raise WorkbookError(
            f"{len(codes)} codes were given", "use --out-dir DIR for several articles"
        )
    text = render(article_for(codes[0], year=args.year, date_of_service=args.date))
    if not args.out:
        print(text, end="")
        return
    check_output(args.out, what="--out")
    atomic_write(args.out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    print(f"article written to {args.out}")


def add_ingest(sub: argparse._SubParsersAction, shared: Shared) -> None:
    p = sub.add_parser(
        "ingest",
        parents=[shared.date],
        help="check code articles against the tables; optionally add their names and pairings",
        description="Read knowledge articles shaped like the seed article and report every "
        "difference from the tables: RVUs that are not the official figure, stale or "
        "non-billable ICD-10-CM codes, names the tables lack, missing sections. Exit 2 if a file "
        "cannot be read as an article.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE", help="article text file(s)")
    p.add_argument(
        "--add",
        action="store_true",
        help=f"add the article's new common names and pairings to the local store ({shared.store}), "
        "each naming the article",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any finding needs attention (new, stale, differs, not billable, unknown, "
        "missing, unread); agreements and notes, which are information only, do not",
    )
    p.add_argument("--out", help="also write every article's findings to this .csv or .xlsx file")
    p.set_defaults(func=_ingest)


def _ingest(args: argparse.Namespace) -> int:
    from ..articles.review import (
        add_to_store,
        check_findings_path,
        format_review,
        review_file,
        write_findings,
    )

    if args.out:
        check_findings_path(args.out)
    failed, results = 0, []
    for path in args.paths:
        try:
            result = review_file(path, args.date)
            print(format_review(result))
            results.append(result)
            if args.add:
                print("  " + str(add_to_store(result)).replace("\n", "\n  "))
        except WorkbookError as exc:
            print(f"cpt-workbook: error: {exc}", file=sys.stderr)
            failed += 1
    if args.out and results:
        print(f"findings written to {write_findings(args.out, results)}")
    if failed:
        return 2
    return 1 if args.strict and any(r.attention for r in results) else 0
