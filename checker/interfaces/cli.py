"""Command line: the only module that prints and exits.

Exit codes: 0 success / every request meets the criteria; 1 findings / a criterion unmet;
2 usage or input error (bad rules, bad facts, unreadable files).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from checker import __version__
from checker.app import build_auditor, build_checker, default_rules
from checker.core.errors import CheckerError, ValidationFailure
from checker.core.paths import REPO
from checker.reading.source import letter_files

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _seconds(text: str) -> float:
    """A time limit: a positive finite number of seconds (nan, inf, 0 and negatives are usage errors)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("expected a positive number of seconds")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a whole number of 1 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("expected a port number from 1 to 65535")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="checker", description=(
        "Check trigger point injection requests and IMR letters against the California MTUS criteria. "
        "Exit codes: 0 criteria met, 1 criteria unmet or findings, 2 usage or input error."))
    p.add_argument("--version", action="version", version=f"checker {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--rules", type=Path, default=None, help="rules folder (default: the bundled rules/)")

    ev = sub.add_parser("evaluate", help="evaluate case files (YAML facts) against the rule packs")
    ev.add_argument("cases", nargs="+", help="case files or folders of case files")
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--corpus", type=Path, default=None,
                    help="folder the cases' source letters are relative to (default: ../shared/corpus)")
    common(ev)

    ck = sub.add_parser("check", help="read letters or clinical notes (.txt, .pdf) and check every trigger point item")
    ck.add_argument("files", nargs="+", help="letters, notes, or folders of them")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.add_argument("--corrections", type=Path, default=None,
                    help="the reviewer's corrections of extracted facts (YAML, schema checker/corrections/1)")
    common(ck)

    ex = sub.add_parser("extract", help="read one letter or note and print its trigger point items as case files")
    ex.add_argument("file")
    ex.add_argument("--format", choices=("yaml", "json"), default="yaml")
    ex.add_argument("--output", type=Path, default=None, help="write one case file per item into this folder")
    ex.add_argument("--corrections", type=Path, default=None,
                    help="the reviewer's corrections of extracted facts (YAML, schema checker/corrections/1)")
    common(ex)

    au = sub.add_parser("audit", help="audit IMR letters: decision, reasons, citations, dates, sides, quantities")
    au.add_argument("files", nargs="+", help="letters or folders of letters")
    au.add_argument("--format", choices=("text", "json", "markdown", "jsonl"), default=None,
                    help="text (the default), json, markdown, or jsonl: one JSON line per letter, streamed as "
                         "letters finish (batch mode, the default with --jobs, --resume or --output alone)")
    au.add_argument("--fail-on", choices=("warning", "error", "never"), default="warning",
                    help="exit 1 when a finding of this severity or worse is found (default: warning)")
    au.add_argument("--jobs", type=_positive_int, default=1, help="worker processes (batch mode; default 1)")
    au.add_argument("--output", type=Path, default=None,
                    help="write the report here (in --format; JSON lines when --format is not given)")
    au.add_argument("--resume", action="store_true", help="skip letters already in --output and append the rest")
    au.add_argument("--time-limit", type=_seconds, default=60.0, help="seconds allowed per letter in batch mode (default 60)")
    au.add_argument("--summary", type=Path, default=None,
                    help="write the Markdown summary (findings per code and per letter) here")
    common(au)

    rg = sub.add_parser("regress", help="compare every case and expected letter with its expectations; exit 1 on drift")
    rg.add_argument("paths", nargs="*", help="case files, expectation files or folders (default: cases/ corpus/letters/ regress/)")
    rg.add_argument("--against", type=Path, default=None, help="a second rules folder: list the outcomes that differ")
    rg.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    rg.add_argument("--junit", type=Path, default=None, help="write JUnit XML here (for CI servers)")
    rg.add_argument("--markdown", type=Path, default=None, help="write a Markdown summary here")
    rg.add_argument("--update", action="store_true", help="rewrite drifted expectations to the new outcomes (prints the diff)")
    rg.add_argument("--require-coverage", action="store_true",
                    help="fail when a criterion is never seen in a status it can take")
    common(rg)

    sc = sub.add_parser("score", help="extraction accuracy against *.expected.yaml files in a folder")
    sc.add_argument("folder", type=Path)
    common(sc)

    sv = sub.add_parser("serve", help="start the pre-screening web page on this machine")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    sv.add_argument("--port", type=_port, default=8000)
    sv.add_argument("--workers", type=_positive_int, default=None,
                    help="worker processes that run the checks (default: one per core)")
    sv.add_argument("--time-limit", type=_seconds, default=20.0, help="seconds allowed per check (default 20)")
    common(sv)

    rules = sub.add_parser("rules", help="validate, list or show the criteria")
    rsub = rules.add_subparsers(dest="rules_command", metavar="ACTION")
    rv = rsub.add_parser("validate", help="check rule files; report every problem as path:line:col")
    rv.add_argument("dir", nargs="?", type=Path, default=None, help="rules folder (same as --rules)")
    common(rv)
    rl = rsub.add_parser("list", help="list every criterion")
    common(rl)
    rs = rsub.add_parser("show", help="show one criterion: wording, page, condition, examples")
    rs.add_argument("id")
    common(rs)
    rm = rsub.add_parser("mutate", help="mutation-test the rule packs against their examples and the cases")
    rm.add_argument("--cases", nargs="*", default=None, help="case files or folders (default: cases/ of a source checkout)")
    common(rm)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None or (args.command == "rules" and args.rules_command is None):
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return _dispatch(args)
    except ValidationFailure as failure:
        _error(str(failure), count=len(failure.problems))
        return EXIT_ERROR
    except CheckerError as exc:
        _error(exc.message)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except OSError as exc:
        # an output path that is a folder, read-only, full, or under a file
        where = exc.filename if exc.filename is not None else "output"
        _error(f"{where}: cannot write ({exc.strerror or type(exc).__name__})")
        return EXIT_ERROR
    except MemoryError:
        _error("out of memory")
        return EXIT_ERROR
    except Exception as exc:  # a bug: reported by its type only (a message could carry letter text)
        _error(f"internal error ({type(exc).__name__}); please report it")
        return EXIT_ERROR


def _error(message: str, count: int = 0) -> None:
    print(message, file=sys.stderr)
    if count > 1:
        print(f"{count} problems", file=sys.stderr)


def _dispatch(args: argparse.Namespace) -> int:
    from checker.rules.rulepack import load_rules

    if args.command == "rules" and args.rules_command == "validate":
        from checker.evaluation.validate import validate_all

        if args.dir and args.rules and args.dir != args.rules:
            raise CheckerError("give the rules folder once: as an argument or with --rules")
        print(validate_all(args.dir or args.rules or default_rules()))
        return EXIT_OK
    if args.command == "serve":
        try:
            from checker.interfaces.web import serve
        except ImportError:
            raise CheckerError("the web page needs the 'web' extra: pip install -e '.[web]'") from None
        load_rules(args.rules or default_rules())  # report bad rules before the server starts
        _can_listen(args.host, args.port)
        print(f"serving on http://{args.host}:{args.port}/ (Ctrl-C to stop)")
        serve(args.host, args.port, str(args.rules) if args.rules else None, args.workers, args.time_limit)
        return EXIT_OK
    rules = load_rules(args.rules or default_rules())
    if args.command == "rules":
        from checker.rules.reference import criterion_text, pack_list

        if args.rules_command == "list":
            print(pack_list(rules))
        elif args.rules_command == "mutate":
            return _mutate(args, rules)
        else:
            print(criterion_text(rules, args.id))
        return EXIT_OK
    if args.command == "evaluate":
        return _evaluate(args, rules)
    if args.command == "check":
        return _check(args, rules)
    if args.command == "extract":
        return _extract(args, rules)
    if args.command == "audit":
        return _audit(args, rules)
    if args.command == "regress":
        return _regress(args, rules)
    if args.command == "score":
        from checker.evaluation.score import render, score_folder

        print(render(score_folder(args.folder, build_checker(rules))))
        return EXIT_OK
    raise CheckerError(f"unknown command {args.command}")


def _can_listen(host: str, port: int) -> None:
    """Refuse, in one line, an address the server could not listen on (a busy port, a bad host)."""
    import errno
    import socket

    if not 0 <= port <= 65535:
        raise CheckerError(f"--port {port}: give a port from 0 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
            s.bind(infos[0][4])
    except OSError as exc:
        reason = "the port is in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise CheckerError(f"cannot listen on {host}:{port}: {reason} (choose another with --port)") from None


def _check(args: argparse.Namespace, rules) -> int:
    from checker.evaluation.report import document_json, letter_json, letter_text

    checker = build_checker(rules)
    corrections = _corrections(args, rules)
    letters, errors, texts = [], [], []
    noncertify = False
    for path in letter_files(args.files):
        try:
            result = _reviewed(checker, path, corrections)
        except CheckerError as exc:
            errors.append({"path": str(path), "message": exc.message})
            _error(exc.message)
            continue
        noncertify |= any(i.decision is not None and i.decision.decision != "certify" for i in result.items)
        if args.format == "json":
            letters.append(letter_json(result, rules.vocabulary))
        else:
            texts.append(letter_text(result, rules.vocabulary))
    if args.format == "json":
        _print_json(document_json(letters, errors))
    else:
        print("\n\n".join(texts))
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if noncertify else EXIT_OK


def _corrections(args: argparse.Namespace, rules) -> list:
    from checker.decision.review import load_corrections

    return load_corrections(args.corrections, rules.vocabulary) if args.corrections else []


def _reviewed(checker, path, corrections):
    """A checked letter, with the reviewer's corrections applied when there are any."""
    from checker.decision.review import review_letter

    result = checker.check_file(path)
    if corrections:
        review_letter(result, corrections, checker.rules, checker.evaluate)
    return result


def _batch(args: argparse.Namespace, rules) -> int:
    from checker.audit.auditor import load_audit_rules
    from checker.interfaces.batch import done_paths, output_rows, read_summary, run_batch
    from checker.evaluation.report import summary_markdown

    if args.resume and args.output is None:
        raise CheckerError("--resume needs --output (the results file to continue)")
    files = letter_files(args.files)
    skip = done_paths(args.output) if args.resume else set()
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        sink = args.output.open("a" if args.resume else "w", encoding="utf-8")
    else:
        sink = sys.stdout
    try:
        summary = run_batch(files, rules.root, args.jobs, args.time_limit, sink, skip,
                            keep_rows=args.output is None and args.summary is not None)
    finally:
        if sink is not sys.stdout:
            sink.close()
    for error in summary.errors:
        _error(error["message"])
    codes = sorted(load_audit_rules(rules.root).severities)
    if args.output is not None:   # the summary covers the whole results file, resumed or not
        whole = read_summary(args.output)
        report = summary_markdown(whole, codes, len(skip), rows=output_rows(args.output))
    else:
        whole, report = summary, summary_markdown(summary, codes, rows=summary.rows)
    if args.summary is not None:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(report, encoding="utf-8")
    elif args.output is not None:
        print(report, end="")
    if whole.errors:  # the error lines already in a resumed file count too
        return EXIT_ERROR
    return _fail_on(args.fail_on, whole.worst)


def _audit(args: argparse.Namespace, rules) -> int:
    from checker.audit.auditor import SEVERITY_RANK, load_audit_rules
    from checker.evaluation.report import audit_json, audit_markdown, audit_text, document_json

    streaming = args.jobs != 1 or args.resume
    if args.format not in (None, "jsonl") and streaming:
        raise CheckerError(f"--format {args.format} cannot be combined with --jobs or --resume, which write one JSON "
                           "line per letter: give --format jsonl (and --summary FILE for the Markdown summary)")
    if args.format == "jsonl" or streaming or (args.output is not None and args.format is None):
        return _batch(args, rules)

    checker = build_checker(rules)
    audit_rules = load_audit_rules(rules.root)
    auditor = build_auditor(rules, checker)
    audits, errors = [], []
    for path in letter_files(args.files):
        try:
            audits.append(auditor.audit(checker.check_file(path)))
        except CheckerError as exc:
            errors.append({"path": str(path), "message": exc.message})
            _error(exc.message)
    codes = sorted(audit_rules.severities)
    fmt = args.format or "text"
    if fmt == "json":
        document = document_json([audit_json(a, rules.vocabulary) for a in audits], errors)
        report = _json_text(document, person=args.output is None and sys.stdout.isatty()) + "\n"
    elif fmt == "markdown":
        report = audit_markdown(audits, errors, codes)
    else:
        report = "\n\n".join(audit_text(a) for a in audits) + "\n"
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
    else:
        print(report, end="")
    if args.summary is not None:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(audit_markdown(audits, errors, codes), encoding="utf-8")
    if errors:
        return EXIT_ERROR
    return _fail_on(args.fail_on, max((SEVERITY_RANK.get(f.severity, 0) for a in audits for f in a.all_findings()),
                                      default=-1))


def _fail_on(level: str, worst: int) -> int:
    """Exit 1 when the worst finding's rank reaches --fail-on (never: always 0)."""
    from checker.audit.auditor import SEVERITY_RANK

    if level == "never":
        return EXIT_OK
    return EXIT_FINDINGS if worst >= SEVERITY_RANK[level] else EXIT_OK


DEFAULT_REGRESS = [REPO / "cases", REPO / "corpus" / "letters", REPO / "regress"]
# the bundled cases: invented ones, and the sample letters' hand-curated cases beside their expectations
DEFAULT_CASES = [REPO / "cases", REPO / "regress" / "samples"]


def _regression(rules):
    from checker.evaluation.regress import Regression

    checker = build_checker(rules)
    return Regression(rules, checker, build_auditor(rules, checker))


def _regress(args: argparse.Namespace, rules) -> int:
    from checker.evaluation.regress import against, metrics
    from checker.evaluation.regress_report import drift_table, dump_json, junit_xml, markdown, metrics_text, update, write
    from checker.rules.rulepack import load_rules

    paths = [str(p) for p in (args.paths or [p for p in DEFAULT_REGRESS if p.exists()])]
    if not paths:
        # an installed checker has no repository beside it, so no default corpus to run
        _error("no cases or expected letters to run: give their files or folders "
               "(the defaults cases/, corpus/letters/ and regress/ are those of a source checkout)")
        return EXIT_ERROR
    run = _regression(rules).run(paths)
    for path, message in run.errors:
        _error(message)
    if args.against is not None:
        other_rules = load_rules(args.against)
        other = _regression(other_rules).run(paths)
        moved = against(rules, other_rules, run, other)
        print(f"outcomes that differ between {rules.root} and {other_rules.root}:")
        print(drift_table(moved))
        return EXIT_ERROR if run.errors or other.errors else (EXIT_FINDINGS if moved else EXIT_OK)
    m = metrics(run, rules)
    print(f"{len(run.sources)} sources, {run.compared} values compared, {len(run.drifts)} drifted")
    print(drift_table(run.drifts))
    print()
    print(metrics_text(m))
    if args.json:
        write(args.json, dump_json(run, m))
    if args.junit:
        write(args.junit, junit_xml(run))
    if args.markdown:
        write(args.markdown, markdown(run, m))
    if args.update and run.drifts:
        for diff in update(run):
            print(diff)
        print("expectations updated")
        return EXIT_OK
    if run.errors:
        return EXIT_ERROR
    if run.drifts or (args.require_coverage and m.uncovered):
        return EXIT_FINDINGS
    return EXIT_OK


def _mutate(args: argparse.Namespace, rules) -> int:
    from checker.decision.case import case_files, load_case
    from checker.evaluation.mutate import run_mutation

    # by default the repository's cases, when there is a repository (an installed checker: examples only)
    paths = args.cases if args.cases is not None else [str(p) for p in DEFAULT_CASES if p.is_dir()]
    cases = []
    for p in (case_files(paths) if paths else []):
        case = load_case(p, rules)
        cases.append((case.facts, case.expected_criteria, str(p)))
    failed = 0
    for pack in rules.packs:
        report = run_mutation(rules, pack, cases)
        for line in report.stale:
            _error(f"stale expectation: {line}")
        print(f"{pack.id}: {report.total} mutants, {report.killed} detected by the examples and {len(cases)} case(s), "
              f"{len(report.survivors)} survived" + (f"; {len(report.stale)} expectation(s) the rules already break"
                                                     if report.stale else ""))
        for m in report.survivors:
            print(f"  survived: {m.criterion}: {m.description}")
        failed += len(report.survivors) + len(report.stale)
    return EXIT_FINDINGS if failed else EXIT_OK


def _extract(args: argparse.Namespace, rules) -> int:
    from checker.evaluation.report import dump_case, item_case

    result = _reviewed(build_checker(rules), args.file, _corrections(args, rules))
    cases = [item_case(result, item, n) for n, item in enumerate(result.items, 1) if item.decision is not None]
    if not cases:
        raise CheckerError(f"{args.file}: no trigger point injection request found")
    rendered = [json.dumps(c, indent=2, ensure_ascii=False) if args.format == "json" else dump_case(c) for c in cases]
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        for case, text in zip(cases, rendered):
            target = args.output / f"{case['id']}.{'json' if args.format == 'json' else 'yaml'}"
            target.write_text(text, encoding="utf-8")
            print(target)
    else:
        print("---\n".join(rendered) if args.format == "yaml" else "\n".join(rendered))
    return EXIT_OK


def _evaluate(args: argparse.Namespace, rules) -> int:
    from checker.decision.case import case_files, load_case
    from checker.decision.decide import evaluate_facts
    from checker.app import build_evaluator
    from checker.decision.render import decision_json, decision_text

    evaluate = build_evaluator(rules)
    outputs: list[dict[str, Any]] = []
    texts: list[str] = []
    errors = 0
    any_noncertify = False
    for path in case_files(args.cases):
        try:
            case = load_case(path, rules, args.corpus)
            decision = evaluate_facts(case.facts, rules, evaluate)
        except CheckerError as exc:
            errors += 1
            _error(str(exc))
            continue
        any_noncertify |= decision.decision != "certify"
        record = {"case": case.id, "title": case.title, "path": str(path)}
        if case.source_letter:
            record["source"] = {"letter": case.source_letter, "item": case.item,
                                "letter_decision": case.letter_decision, "rationale_cites": case.rationale_cites}
        record.update(decision_json(decision))
        record["review"] = [c.to_json() for c in case.changes]
        outputs.append(record)
        if args.format == "text":
            header = [f"case file: {path}"]
            if case.source_letter:
                header.append(f"letter: {case.source_letter} | item: {case.item} | letter decision: {case.letter_decision}")
            header += [f"reviewer changed {c.text()}" for c in case.changes]
            texts.append(decision_text(decision, f"{case.id}: {case.title}", header=header))
    if args.format == "json":
        _print_json({"schema_version": 1, "cases": outputs})
    elif texts:
        print("\n\n".join(texts))
        counts = {k: sum(1 for o in outputs if o["decision"] == k) for k in ("certify", "non-certify")}
        print(f"\n{len(outputs)} case(s): {counts['certify']} certify, {counts['non-certify']} non-certify"
              + (f", {errors} unreadable" if errors else ""))
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if any_noncertify else EXIT_OK


def _json_text(document: Any, person: bool) -> str:
    """JSON indented for a person at a terminal, compact for a program or a file (half the bytes, and
    json's C encoder, which an indent turns off)."""
    if person:
        return json.dumps(document, indent=2, ensure_ascii=False)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _print_json(document: Any) -> None:
    print(_json_text(document, person=sys.stdout.isatty()))


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
