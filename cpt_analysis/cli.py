"""The ``cpt-workbook`` command: a thin layer of argument parsing and printing.

A user's mistake prints one line on stderr (what was wrong, what to do) and exits with status 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

import pandas as pd

from .errors import WorkbookError


def _lookup(args: argparse.Namespace) -> None:
    from .fees.card import code_card
    from .fees.cardtext import render

    card = code_card(
        args.code,
        year=args.year,
        locality=args.locality,
        setting=args.setting,
        date_of_service=args.date,
        apm=args.apm,
    )
    print(render(card))


def _import(args: argparse.Namespace) -> None:
    from .reference.importer import import_files

    print(import_files(args.paths, args.kind, args.year, args.release, args.qpp))


def _store(args: argparse.Namespace) -> None:
    from . import config
    from .errors import IMPORT_HINT
    from .reference import store

    if args.remove:
        kind, year = args.remove
        if not year.strip().isdigit():
            raise WorkbookError(f"'{year}' is not a year", "write it as 2026")
        entry = store.remove(kind, int(year))
        what = ", ".join(str(entry[k]) for k in ("release", "source_file") if entry.get(k))
        print(f"removed the {int(year)} {kind} import{f' ({what})' if what else ''}")
        return
    table = store.entries()
    if table.empty:
        print(f"nothing is imported in {config.store_dir()}: {IMPORT_HINT}")
        return
    table["rows"] = table["rows"].map(lambda n: f"{int(n):,}" if pd.notna(n) else "?")
    table["source"] = table["source"].replace("", "(not in the manifest)")
    print(f"imported into {config.store_dir()}:")
    print(table.to_string(index=False))


def _icd10(args: argparse.Namespace) -> int:
    from .reference.icd10 import check_many

    table = check_many(args.codes, args.date)
    for _, r in table.iterrows():
        desc = r["description"] if isinstance(r["description"], str) else ""
        line = f"{r['input']:<10} {r['status']:<10} {desc}"
        if r["billable_children"]:
            line += f"  -> billable children: {r['billable_children']}"
        print(line)
    print(f"(FY{table['fiscal_year'].iloc[0]}; {table['basis'].iloc[0]})")
    return 1 if args.strict and not table["billable"].all() else 0


def _localities(args: argparse.Namespace) -> None:
    from .fees.payment import match_localities
    from .reference.loaders import load_gpci

    gpci = load_gpci(args.year)
    if args.search is not None:
        gpci = match_localities(gpci, args.search)
        if gpci.empty:
            raise WorkbookError(
                f"no Medicare locality of {args.year} matches {args.search!r}",
                "search by words of a name (MANHATTAN), a state (CA) or a MAC-NN id (01112-05); "
                "`cpt-workbook localities` lists them all",
            )
    with pd.option_context("display.max_rows", None, "display.width", 200):
        print(
            gpci[
                ["locality_id", "state", "locality_name", "gpci_work", "gpci_pe", "gpci_mp"]
            ].to_string(index=False)
        )


def _run(args: argparse.Namespace) -> int:
    from .reports.run_params import parse_params
    from .reports.runner import run_many

    sets = parse_params(args.notebook, args.param or [], args.param_file or [])
    results = run_many(args.notebook, sets, args.out, jobs=args.jobs)
    for r in results:
        if r.ok:
            made = f"tables: {r.excel.name}" if r.excel else "no result tables, so no Excel"
            print(f"{r.html}  ({made})")
    failed = [r for r in results if not r.ok]
    for r in failed:
        _say(f"{r.error}; partial notebook kept at {r.executed}")
    return 1 if failed else 0


def _notebooks(args: argparse.Namespace) -> None:
    from .reports.notebook import notebooks, parameters

    for path in notebooks():
        print(path.stem)
        for p in parameters(path):
            print(f"  {p.name}: {p.type} = {p.default}  # {p.help}")


def _practice(args: argparse.Namespace) -> None:
    from .export import write_excel
    from .practice.intake import parse_mapping, read_encounters
    from .practice.report import SAMPLE, check_outputs, report_of

    path = args.path or SAMPLE
    check_outputs(path, rejected=args.rejected, excel=args.excel)
    imported = read_encounters(path, parse_mapping(args.map or []))
    columns = " ".join(  # shell-quoted: the line can be pasted back
        '--map "' + "".join("\\" + c if c in '"\\$`' else c for c in f"{column}={name}") + '"'
        for name, column in imported.mapping.items()
    )
    done = []  # every file is written before anything is printed: a closed stdout loses none
    if args.rejected:
        done.append(f"rejected rows written to {imported.write_rejected(args.rejected)}")
    try:
        report = report_of(imported, args.year, args.locality, args.provider or "")
    except WorkbookError as exc:  # the one line says where the rejected rows are
        if not args.rejected:
            raise
        where = f"the rejected rows and their reasons are in {args.rejected}"
        raise WorkbookError(exc.problem, f"{exc.fix}; {where}") from None
    if args.excel:
        done.append(f"tables written to {write_excel(args.excel, report.sheets())}")
    print(report.headline)
    print(f"columns: {columns}")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(report.reconciliation.to_string(index=False))
        print(
            report.findings_summary.drop(columns=["note"], errors="ignore").to_string(index=False)
        )
    for line in done:
        print(line)


def _article(args: argparse.Namespace) -> None:
    from .articles.text import render
    from .articles.writer import article_for, write_articles
    from .files import atomic_write, check_output
    from .reference.loaders import load_codes

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


def _ingest(args: argparse.Namespace) -> int:
    from .articles.review import (
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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``cpt-workbook`` with every sub-command."""
    parser = _Parser(
        prog="cpt-workbook",
        description="CPT Analysis Workbook: Medicare RVUs, payments and ICD-10-CM pairings.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    p = sub.add_parser(
        "lookup",
        help="print the code card of a CPT/HCPCS code",
        description="Print the code card: plain-language facts, RVUs, payment "
        "and typical diagnoses with their ICD-10-CM status.",
    )
    p.add_argument(
        "code", help="CPT/HCPCS code such as 97012, 00100 or 72148; 72148-26 shows one modifier row"
    )
    p.add_argument("--year", type=int, help="fee-schedule year (default: latest)")
    p.add_argument("--locality", help="Medicare locality: MAC-NN (01112-05) or part of its name")
    p.add_argument(
        "--setting",
        default="nonfacility",
        help="facility, nonfacility or a place-of-service code (default nonfacility)",
    )
    p.add_argument(
        "--date", help="date of service for ICD-10-CM checks, YYYY-MM-DD (default today)"
    )
    p.add_argument(
        "--apm",
        action="store_true",
        help="use the qualifying-APM conversion factor where a year has one",
    )
    p.set_defaults(func=_lookup)

    from . import config

    store = f"{config.store_dir()}; set {config.STORE_ENV} to use another folder"
    p = sub.add_parser(
        "import-cms",
        help="import official CMS files into the local store",
        description=f"Import CMS files into the local store ({store}): an RVU zip as CMS "
        "ships it (its RVU, GPCI and locality files; other members listed as skipped, with "
        "why), a PPRRVU file (CSV or TXT), a GPCI or LOCCO file, or an ICD-10-CM order file. "
        "What a file says about its year and release wins; nothing is saved unless every file "
        "given is read whole and its figures are plausible.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="file(s) as downloaded from CMS")
    p.add_argument(
        "--kind",
        choices=["rvus", "gpci", "locality", "icd10"],
        help="kind of file when its name does not say; with a zip, import only that kind",
    )
    p.add_argument(
        "--year",
        type=int,
        help="year (or fiscal year) when the file does not say; refused if it contradicts the file",
    )
    p.add_argument(
        "--release",
        choices=list("ABCD"),
        help="RVU release letter when the file does not say (A Jan, B Apr, C Jul, D Oct)",
    )
    p.add_argument(
        "--qpp",
        action="store_true",
        help="from a bundle with both, import the QPP RVU file instead of the non-QPP one",
    )
    p.set_defaults(func=_import)

    p = sub.add_parser(
        "icd10",
        help="check ICD-10-CM codes for billability",
        description="Say whether each ICD-10-CM code is billable, a header (with "
        "its billable children) or unknown on a date of service.",
    )
    p.add_argument("codes", nargs="+", metavar="CODE", help="codes, with or without the dot")
    p.add_argument("--date", help="date of service YYYY-MM-DD (default today)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any code is not billable")
    p.set_defaults(func=_icd10)

    p = sub.add_parser(
        "localities",
        help="list Medicare localities and their GPCIs",
        description="List the Medicare localities of a year with their GPCIs.",
    )
    p.add_argument("--year", type=int, default=2025, help="GPCI year (default 2025)")
    p.add_argument(
        "--search",
        help="words that start words of a locality's name (SAN FRAN), a state (CA) or MAC-NN",
    )
    p.set_defaults(func=_localities)

    from .config import REPORTS_DIR

    p = sub.add_parser(
        "run",
        help="run a notebook into an HTML report (and Excel, where it has result tables)",
        description="Execute a notebook with papermill and write the executed notebook, an HTML "
        "report (code hidden) and, when the notebook publishes result tables, an Excel workbook "
        "of them. Several values of a parameter make a batch (see --param). Every value is "
        "checked before a kernel starts; leave a parameter out for its default.",
    )
    p.add_argument("notebook", help="notebook name such as 01_code_card (see `notebooks`)")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        metavar="NAME=VALUE",
        help="parameter value (repeatable); codes stay text; comma-separated codes, years, "
        "localities, settings, dates or topics make a batch; other text (a provider, a path, a "
        "family) is taken whole, commas included",
    )
    p.add_argument(
        "--param-file",
        action="append",
        metavar="NAME=FILE",
        help="batch over the values in FILE, one per line (commas are part of a value); for a "
        "list parameter such as codes, the lines make the one list",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="output folder, created when missing; a relative DIR is relative to the current "
        f"folder (default: {REPORTS_DIR})",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        help="kernels in parallel for a batch, 1 to the number of processor cores (default 2)",
    )
    p.set_defaults(func=_run)

    p = sub.add_parser(
        "practice",
        help="productivity, payment and audit of an encounter export",
        description="Import a practice's encounter export (CSV or Excel): every row accepted or "
        "rejected with a reason, wRVUs and payment by provider and month, and the pairing audit. "
        "Only the columns read as a field are read; a patient or encounter id only groups visits "
        "and no output ever holds one.",
    )
    p.add_argument("path", nargs="?", help="CSV or Excel export (default: the shipped sample)")
    p.add_argument("--year", type=int, default=2025, help="year of the dates of service")
    p.add_argument("--locality", help="Medicare locality for payment (default national)")
    p.add_argument("--provider", help="part of a provider name to keep")
    p.add_argument("--excel", help="write the tables to this .xlsx file")
    p.add_argument(
        "--rejected",
        help="write the rejected rows (row number, the fields read and the reasons) to this .csv "
        "for correction",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar='"COLUMN=FIELD"',
        help="read the file's COLUMN as FIELD (repeatable), for a column not recognised by "
        'name, e.g. --map "Service Date From=date_of_service"; fields: date_of_service, provider, '
        "cpt, modifier_1..modifier_4 or modifiers, units, minutes, dx_1..dx_4, place_of_service, "
        "locality, charge, patient_id, encounter_id. The output's `columns:` line shows every "
        "column read, ready to paste back",
    )
    p.set_defaults(func=_practice)

    p = sub.add_parser(
        "article",
        help="write a code article in the seed article's shape",
        description="Write the knowledge article of a code from the tables, in the founding "
        "article's shape and the workbook's own words: explanation, names, RVUs, typical "
        "diagnoses (headers named as such, with the codes to bill instead), summary, disclaimer.",
    )
    p.add_argument(
        "codes", nargs="*", metavar="CODE", help="CPT/HCPCS code(s) such as 97012 or 00100"
    )
    p.add_argument("--all", action="store_true", help="every code with plain-language facts")
    p.add_argument("--year", type=int, help="fee-schedule year (default: latest)")
    p.add_argument(
        "--date", help="date of service for ICD-10-CM checks, YYYY-MM-DD (default today)"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--out", help="write the one article to this file instead of printing it")
    out.add_argument("--out-dir", help="write each article to DIR/CODE.txt (a progress bar shows)")
    p.set_defaults(func=_article)

    p = sub.add_parser(
        "ingest",
        help="check code articles against the tables; optionally add their names and pairings",
        description="Read knowledge articles shaped like the seed article and report every "
        "difference from the tables: RVUs that are not the official figure, stale or "
        "non-billable ICD-10-CM codes, names the tables lack, missing sections. Exit 2 if a file "
        "cannot be read as an article.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE", help="article text file(s)")
    p.add_argument(
        "--date", help="date of service for ICD-10-CM checks, YYYY-MM-DD (default today)"
    )
    p.add_argument(
        "--add",
        action="store_true",
        help=f"add the article's new common names and pairings to the local store ({store}), "
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

    p = sub.add_parser(
        "store",
        help="list what is imported into the local store, or remove an import",
        description="List the imported tables (kind, year, release, rows, when, source file), "
        "or remove one with --remove KIND YEAR so that the shipped tables are used again. "
        f"The store: {store}.",
    )
    p.add_argument(
        "--remove",
        nargs=2,
        metavar=("KIND", "YEAR"),
        help="remove one import, e.g. --remove rvus 2026 (kinds: rvus, gpci, locality, icd10)",
    )
    p.set_defaults(func=_store)

    p = sub.add_parser(
        "notebooks",
        help="list the notebooks and their parameters",
        description="List the notebooks with their parameters, types, defaults and help.",
    )
    p.set_defaults(func=_notebooks)
    return parser


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line with a pointer to ``--help``, exit 2."""

    def error(self, message: str) -> NoReturn:
        _say(f"{message}: see `{self.prog} --help`")
        raise SystemExit(2)


def _say(message: str) -> None:
    """Print one error line on stderr; line breaks a user typed are shown, not obeyed."""
    text = message.replace("\r", "\\r").replace("\n", "\\n")
    print(f"cpt-workbook: error: {text}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 for a user's mistake).

    Without a command it prints the help. A user's mistake, a file the system refuses and an
    interrupted run each end in one line on stderr, never a traceback; an unexpected failure
    says so in one line (exit 3) unless ``CPT_WORKBOOK_DEBUG`` is set.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except WorkbookError as exc:
        _say(str(exc))
        return 2
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        _say("interrupted: nothing more was written")
        return 130
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _say(f"{exc.strerror or exc}{where}: check the path and its permissions")
        return 2
    except Exception as exc:
        if os.environ.get("CPT_WORKBOOK_DEBUG"):
            raise
        _say(
            f"unexpected {type(exc).__name__}: {exc}: please report it "
            "(set CPT_WORKBOOK_DEBUG=1 to see where it happened)"
        )
        return 3
    return status or 0


def _quiet_stdout() -> None:
    """After a closed pipe (``| head``), point stdout at devnull so Python's exit flush is
    silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
