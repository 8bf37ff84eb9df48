"""Measure the audit and the rule packs on real IMR letters against an independent reader's ground truth.

    .venv/bin/python scripts/measure_real.py corpus/real-audit/dev/truth.yaml
        [--pdf-dir ../shared/corpus/dwc-2016-2017/pdf] [--judged corpus/real-audit/dev/judged.yaml]
        [--rules DIR] [--json] [--letter-findings strict|per-item]

The checker (built by `checker.app.build`, the composition root, and read as `checker audit --format json`
reads it: `evaluation.report.audit_json`) runs on exactly the letters the truth file lists, and the report
gives:

1. Audit per code: findings raised, matched to truth (same letter, same code, same item number when both
   sides give one; each finding and each truth entry matched once), precision and recall. A raised
   finding that matches no truth entry is an *extra*: a person judges it in the judgments file (a YAML
   list of {letter, code, item, verdict: true|false, reason, key?}; `key` is the short stable key the
   report prints, needed only when several extras share letter, code and item). A judged-true extra is a
   true positive and joins the recall denominator; a judged-false one is a false positive; an unjudged
   one is listed "to judge" and makes precision and recall ranges (lowest: all false; highest: all true).
   By default a letter-level finding whose evidence quotes the titles of several items (the auditor's
   "N follow-on items cite no guideline") counts as one finding per item it names (`--letter-findings
   per-item`); `strict` keeps it as one letter-level finding.
2. Routing: each truth item's kind names the pack that should take it (ROUTING below; other kinds: no
   pack). The pack of each checked item is read from the checker's output (`rule_pack`), so the
   measure works whatever packs the rules hold. Checker items are aligned with truth items by number
   when both count the same items, else by title similarity (unaligned items are reported).
3. Decisions: for the items of those kinds evaluated by their pack, the predicted decision against the
   letter's (Upheld: non-certify is right; Overturned: certify is right; any other decision is reported
   apart and left out of the accuracy): balanced accuracy, overturn recall and every disagreement with
   the criteria the checker found not met or not documented (IDs only).

No letter text is printed: letters by case number, items by number, findings by the checker's message
(which carries no patient text) or by the truth entry's `where`. Deterministic; exit 0 (2 on a usage error).
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

DEFAULT_PDF_DIR = Path("..") / "shared" / "corpus" / "dwc-2016-2017" / "pdf"   # relative to the repository

# truth item kind -> the pack that should evaluate it; every other kind belongs to no pack
ROUTING = {
    "physical-therapy": "mtus-2009-physical-medicine",
    "occupational-therapy": "mtus-2009-physical-medicine",   # the physical medicine pack takes PT and OT
    "chiropractic": "mtus-2009-manipulation",
    "acupuncture": "mtus-2007-acupuncture",
    "imaging-neck": "acoem-2004-spine-imaging",
    "imaging-low-back": "acoem-2004-spine-imaging",
}
ROUTED_TARGET = 0.95
TITLE_MATCH_MIN = 0.6   # share of the shorter title found in the other below which two items are not aligned
CORRECT = {"upheld": "non-certify", "overturned": "certify"}   # the letter's decision -> the right prediction
UNMET = ("not_met", "not_documented")
UNREAD = {"pairs": {}, "by": "unread", "truth_unaligned": [], "checker_unaligned": [], "doubtful": []}   # a read error


# --- inputs -----------------------------------------------------------------------------------------

def load_truth(path: Path) -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of case number to letter")
    return {str(case): entry or {} for case, entry in sorted(data.items())}


def load_judgments(path: Optional[Path]) -> list[dict[str, Any]]:
    if path is None or not Path(path).exists():
        return []
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of judgments")
    out = []
    for n, j in enumerate(data, 1):
        if not isinstance(j, dict) or not {"letter", "code", "verdict"} <= set(j) or not isinstance(j["verdict"], bool):
            raise ValueError(f"{path}: judgment {n} needs letter, code, item and verdict: true|false")
        out.append(j)
    return out


def finding_key(code: str, message: str) -> str:
    """A short key that stays the same while the checker's message does."""
    return hashlib.sha1(f"{code}\n{message}".encode()).hexdigest()[:8]


def observe(kit, pdf_dir: Path, cases: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The checker's audit of each case's PDF, as `checker audit --format json` gives it, or its error."""
    from checker.core.errors import CheckerError
    from checker.evaluation.report import audit_json

    out = {}
    for case in sorted(cases):
        # a letter as PDF, or as text (an invented letter written for a test set)
        path = next((p for p in (Path(pdf_dir) / f"{case}.pdf", Path(pdf_dir) / f"{case}.txt") if p.is_file()), None)
        if path is None:
            out[case] = {"error": "no PDF or text of this case in the folder"}
            continue
        try:
            audit = kit.auditor.audit(kit.checker.check_file(path))
        except CheckerError as exc:
            out[case] = {"error": exc.message.replace(str(path), case).replace(str(path.resolve()), case)}
            continue
        out[case] = audit_json(audit, kit.rules.vocabulary)
    return out


def observed_letter(letter: dict[str, Any], per_item: bool = True) -> dict[str, Any]:
    """The parts of one letter's audit JSON that are measured: items (number, title, letter decision, pack,
    prediction, criteria not met) and findings (code, checker item number or None, message, key)."""
    if "error" in letter:
        return {"error": letter["error"], "items": [], "findings": []}
    items, findings = [], []
    spans = {}
    for n, it in enumerate(letter.get("items", []), 1):
        items.append({
            "n": n, "title": it.get("title") or "", "letter_decision": it.get("letter_decision"),
            "pack": it.get("rule_pack"), "predicted": it.get("predicted_decision"),
            "unmet": [{"id": c["id"], "status": c["status"]} for c in it.get("criteria", []) if c.get("status") in UNMET],
        })
        span = it.get("title_span") or {}
        spans[(span.get("start"), span.get("end"))] = n
        findings += [{"code": f["code"], "item": n, "message": f["message"]} for f in it.get("findings", [])]
    for f in letter.get("findings", []):
        named = sorted({spans[(e.get("start"), e.get("end"))] for e in f.get("evidence", [])
                        if (e.get("start"), e.get("end")) in spans}) if per_item else []
        if len(named) >= 2:
            findings += [{"code": f["code"], "item": n, "message": f["message"], "letter_level": True} for n in named]
        else:
            findings.append({"code": f["code"], "item": None, "message": f["message"]})
    for f in findings:
        f["key"] = finding_key(f["code"], f["message"])
    return {"items": items, "findings": findings}


# --- aligning checker items with truth items --------------------------------------------------------

def _words(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def title_similarity(a: str, b: str) -> tuple[float, float]:
    """(share of the shorter title found in the other, difflib ratio), over lower-case words: a letter's
    "X #30 was the original request ... the remaining portion, X #3" contains the checker's "X #3"."""
    x, y = _words(a), _words(b)
    s = difflib.SequenceMatcher(None, x, y, autojunk=False)
    return sum(blk.size for blk in s.get_matching_blocks()) / max(1, min(len(x), len(y))), s.ratio()


def align_items(truth_items: list[dict[str, Any]], checker_items: list[dict[str, Any]]) -> dict[str, Any]:
    """{"pairs": {truth n: checker n}, "by": "number"|"title", "truth_unaligned", "checker_unaligned",
    "doubtful": [truth n aligned by number whose titles share less than TITLE_MATCH_MIN]}"""
    tn = [int(t["n"]) for t in truth_items]
    cn = [int(c["n"]) for c in checker_items]
    titles = {int(t["n"]): t.get("title") or "" for t in truth_items}
    if len(tn) == len(cn):
        pairs = dict(zip(tn, cn))
        doubtful = [t for t, c in pairs.items()
                    if title_similarity(titles[t], checker_items[cn.index(c)]["title"])[0] < TITLE_MATCH_MIN]
        return {"pairs": pairs, "by": "number", "truth_unaligned": [], "checker_unaligned": [], "doubtful": doubtful}
    scores = []
    for t in truth_items:
        for c in checker_items:
            share, ratio = title_similarity(titles[int(t["n"])], c["title"])
            if share >= TITLE_MATCH_MIN:
                scores.append((-share, -ratio, int(t["n"]), int(c["n"])))
    pairs: dict[int, int] = {}
    for _, _, t, c in sorted(scores):
        if t not in pairs and c not in pairs.values():
            pairs[t] = c
    return {"pairs": dict(sorted(pairs.items())), "by": "title",
            "truth_unaligned": [n for n in tn if n not in pairs],
            "checker_unaligned": [n for n in cn if n not in pairs.values()], "doubtful": []}


# --- 1. audit per code -------------------------------------------------------------------------------

def _ratio(num: int, den: int) -> Optional[float]:
    return None if den == 0 else num / den


def _class_figures(per_class: dict[str, dict[str, int]]) -> dict[str, Optional[float]]:
    """Balanced accuracy (the mean of the two classes' recalls; None unless both have items) and overturn
    recall of per-class counts."""
    recalls = [_ratio(d["right"], d["n"]) for d in per_class.values()]
    return {"balanced_accuracy": None if None in recalls else sum(recalls) / len(recalls),
            "overturn_recall": _ratio(per_class["overturned"]["right"], per_class["overturned"]["n"])}


def _judgment(judgments: list[dict[str, Any]], case: str, f: dict[str, Any]) -> Optional[int]:
    for n, j in enumerate(judgments):
        item = j.get("item")
        if (str(j["letter"]) == case and j["code"] == f["code"] and (None if item is None else int(item)) == f["item"]
                and j.get("key") in (None, f["key"])):
            return n
    return None


def measure_audit(truth: dict[str, dict[str, Any]], observed: dict[str, dict[str, Any]],
                  judgments: list[dict[str, Any]], codes: Iterable[str]) -> dict[str, Any]:
    """Per code: raised, matched, judged true/false extras, to judge, missed, precision and recall (ranges
    when anything is left to judge). `observed` holds each letter as `observed_letter` gives it, its
    findings already numbered as the truth numbers items."""
    codes = sorted(set(codes) | {f["code"] for t in truth.values() for f in t.get("findings") or []}
                   | {f["code"] for o in observed.values() for f in o["findings"]})
    rows = {c: {"raised": 0, "matched": 0, "judged_true": 0, "judged_false": 0, "to_judge": 0, "truth": 0,
                "missed": 0} for c in codes}
    extras, missed, used = [], [], set()
    for case in sorted(truth):
        tf = [dict(f, item=None if f.get("item") is None else int(f["item"])) for f in truth[case].get("findings") or []]
        of = observed.get(case, {"findings": []})["findings"]
        t_used, o_used = set(), set()
        for same_item_only in (True, False):   # first the pairs that agree on the item, then those where one side gives none
            for oi, f in enumerate(of):
                if oi in o_used:
                    continue
                for ti, t in enumerate(tf):
                    if ti in t_used or t["code"] != f["code"]:
                        continue
                    both = t["item"] is not None and f["item"] is not None
                    if (both and t["item"] == f["item"]) if same_item_only else not both:
                        t_used.add(ti)
                        o_used.add(oi)
                        break
        for ti, t in enumerate(tf):
            rows[t["code"]]["truth"] += 1
            if ti in t_used:
                rows[t["code"]]["matched"] += 1
            else:
                rows[t["code"]]["missed"] += 1
                missed.append({"letter": case, "code": t["code"], "item": t["item"], "where": t.get("where")})
        for oi, f in enumerate(of):
            row = rows[f["code"]]
            row["raised"] += 1
            if oi in o_used:
                continue
            n = _judgment(judgments, case, f)
            used.add(n)
            j = None if n is None else judgments[n]
            verdict = None if j is None else j["verdict"]
            row["to_judge" if verdict is None else "judged_true" if verdict else "judged_false"] += 1
            extras.append({"letter": case, "code": f["code"], "item": f["item"], "key": f["key"],
                           "message": f["message"], "verdict": verdict,
                           **({"reason": j.get("reason")} if j is not None and j.get("reason") else {})})
    total = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()), {})}
    for row in list(rows.values()) + [total]:
        tp, fp, u = row["matched"] + row["judged_true"], row["judged_false"], row["to_judge"]
        row["precision"] = [_ratio(tp, tp + fp + u), _ratio(tp + u, tp + fp + u)]
        row["recall"] = [_ratio(tp, row["truth"] + row["judged_true"]),
                         _ratio(tp + u, row["truth"] + row["judged_true"] + u)]
        row["complete"] = u == 0
    unused = [{k: j.get(k) for k in ("letter", "code", "item", "key")} for n, j in enumerate(judgments) if n not in used]
    return {"codes": rows, "total": total, "extras": extras, "missed": missed, "judgments_unused": unused}


# --- 2. routing and 3. decisions ---------------------------------------------------------------------

def measure_items(truth: dict[str, dict[str, Any]], observed: dict[str, dict[str, Any]],
                  alignments: dict[str, dict[str, Any]]) -> dict[str, Any]:
    routed_total = routed_ok = all_items = expected_in_pack = checker_in_pack = 0
    not_routed, wrong, unaligned, misread = [], [], [], []
    per_kind: dict[str, dict[str, int]] = {}
    decisions = {"upheld": {"n": 0, "right": 0}, "overturned": {"n": 0, "right": 0}}
    # the same items against the decision the criteria call for, as the reader judges it: where the reader
    # finds that a letter's decision contradicts the documented criteria, the other decision
    by_criteria = {"upheld": {"n": 0, "right": 0}, "overturned": {"n": 0, "right": 0}}
    other_decisions, disagreements = [], []
    for case in sorted(truth):
        contradicted = {int(f["item"]) for f in truth[case].get("findings") or []
                        if f.get("code") == "decision-contradicts-criteria" and f.get("item") is not None}
        titems = truth[case].get("items") or []
        citems = {c["n"]: c for c in observed.get(case, {"items": []})["items"]}
        al = alignments.get(case, UNREAD)
        unaligned += [{"letter": case, "side": "doubtful", "item": n} for n in al["doubtful"]]
        unaligned += [{"letter": case, "side": "truth", "item": n} for n in al["truth_unaligned"]]
        unaligned += [{"letter": case, "side": "checker", "item": n, "pack": citems[n]["pack"]}
                      for n in al["checker_unaligned"]]
        for n in al["checker_unaligned"]:
            if citems[n]["pack"] is not None:
                wrong.append({"letter": case, "item": None, "checker_item": n, "kind": None, "expected": None,
                              "pack": citems[n]["pack"]})
        for t in sorted(titems, key=lambda t: int(t["n"])):
            n, kind = int(t["n"]), t.get("kind") or "other"
            expected = ROUTING.get(kind)
            c = citems.get(al["pairs"].get(n))
            pack = None if c is None else c["pack"]
            all_items += 1
            if c is not None and str(t.get("decision") or "").strip().lower() != str(c["letter_decision"] or "").lower():
                misread.append({"letter": case, "item": n, "decision": t.get("decision"), "read": c["letter_decision"]})
            expected_in_pack += expected is not None
            checker_in_pack += pack is not None
            if pack is not None and pack != expected:
                wrong.append({"letter": case, "item": n, "checker_item": c["n"], "kind": kind, "expected": expected,
                              "pack": pack})
            if expected is None:
                continue
            k = per_kind.setdefault(kind, {"items": 0, "evaluated": 0})
            k["items"] += 1
            routed_total += 1
            evaluated = c is not None and pack == expected and c["predicted"] is not None
            if not evaluated:
                not_routed.append({"letter": case, "item": n, "kind": kind, "expected": expected, "pack": pack,
                                   "aligned": c is not None, "read": al["by"] != "unread"})
                continue
            routed_ok += 1
            k["evaluated"] += 1
            said = str(t.get("decision") or "").strip().lower()
            unmet = [f"{u['id']} {u['status']}" for u in c["unmet"]]
            if said not in CORRECT:
                other_decisions.append({"letter": case, "item": n, "kind": kind, "decision": t.get("decision"),
                                        "predicted": c["predicted"], "unmet": unmet})
                continue
            decisions[said]["n"] += 1
            called_for = ("overturned" if said == "upheld" else "upheld") if n in contradicted else said
            by_criteria[called_for]["n"] += 1
            by_criteria[called_for]["right"] += c["predicted"] == CORRECT[called_for]
            if c["predicted"] == CORRECT[said]:
                decisions[said]["right"] += 1
            else:
                disagreements.append({"letter": case, "item": n, "kind": kind, "letter_decision": t.get("decision"),
                                      "predicted": c["predicted"], "unmet": unmet,
                                      "reader_finds_decision_contradicts_criteria": n in contradicted})
    return {
        "routing": {
            "kinds_items": routed_total, "evaluated_by_their_pack": routed_ok,
            "share": _ratio(routed_ok, routed_total), "target": ROUTED_TARGET,
            "per_kind": dict(sorted(per_kind.items())), "not_evaluated_by_their_pack": not_routed,
            "wrongly_taken": wrong, "all_items": all_items,
            "expected_in_some_pack": expected_in_pack, "share_expected_in_some_pack": _ratio(expected_in_pack, all_items),
            "checker_in_some_pack": checker_in_pack, "share_checker_in_some_pack": _ratio(checker_in_pack, all_items),
            "unaligned": unaligned, "letter_decision_misread": misread,
        },
        "decisions": {
            "per_class": decisions,
            **_class_figures(decisions),
            "upheld_recall": _ratio(decisions["upheld"]["right"], decisions["upheld"]["n"]),
            "disagreements": disagreements, "other_decisions": other_decisions,
            "by_criteria": {"per_class": by_criteria, **_class_figures(by_criteria)},
        },
    }


def renumber(letter: dict[str, Any], alignment: dict[str, Any]) -> dict[str, Any]:
    """The letter's findings with each checker item number replaced by the truth item aligned with it (an
    item the truth does not list: the finding becomes letter-level, its checker number kept apart)."""
    back = {c: t for t, c in alignment["pairs"].items()}
    out = []
    for f in letter["findings"]:
        if f["item"] is not None and f["item"] not in back:
            out.append(dict(f, item=None, checker_item=f["item"]))
        else:
            out.append(dict(f, item=None if f["item"] is None else back[f["item"]]))
    return dict(letter, findings=out)


def measure(truth: dict[str, dict[str, Any]], audits: dict[str, dict[str, Any]], judgments: list[dict[str, Any]],
            codes: Iterable[str], packs: Iterable[str] = (), per_item: bool = True) -> dict[str, Any]:
    """The whole measure from the truth and the checker's audit JSON of each letter (pure: no PDF, no checker)."""
    observed = {case: observed_letter(audits.get(case, {"error": "not checked"}), per_item) for case in truth}
    alignments = {case: UNREAD if "error" in observed[case] else
                  align_items(truth[case].get("items") or [], observed[case]["items"]) for case in truth}
    renumbered = {case: renumber(observed[case], alignments[case]) for case in truth}
    packs = sorted(packs)
    return {
        "letters": len(truth),
        "errors": [{"letter": c, "message": o["error"]} for c, o in sorted(observed.items()) if "error" in o],
        "packs_loaded": packs,
        "packs_expected_missing": sorted(set(ROUTING.values()) - set(packs)) if packs else [],
        "letter_findings": "per-item" if per_item else "strict",
        "aligned_by_title": sorted(c for c, a in alignments.items() if a["by"] == "title"),
        "audit": measure_audit(truth, renumbered, judgments, codes),
        **measure_items(truth, observed, alignments),
    }


# --- the report --------------------------------------------------------------------------------------

def _pct(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _range(r: list[Optional[float]]) -> str:
    return _pct(r[0]) if r[0] == r[1] else f"{_pct(r[0])}..{_pct(r[1])}"


def _item(n: Optional[int]) -> str:
    return "letter" if n is None else f"item {n}"


def render_text(m: dict[str, Any]) -> str:
    a, r, d = m["audit"], m["routing"], m["decisions"]
    out = [f"Real letters measured: {m['letters']} (read errors: {len(m['errors'])})"]
    out += [f"  read error {e['letter']}: {e['message']}" for e in m["errors"]]
    if m["packs_loaded"]:
        out.append(f"Packs loaded: {', '.join(m['packs_loaded'])}")
    if m["packs_expected_missing"]:
        out.append(f"Packs the routing table names that the rules do not hold: {', '.join(m['packs_expected_missing'])}")
    if m["aligned_by_title"]:
        out.append(f"Items aligned by title (item counts differ): {', '.join(m['aligned_by_title'])}")
    out += ["", f"1. AUDIT PER CODE (letter-level findings naming several items: {m['letter_findings']})",
            f"  {'code':32} {'raised':>6} {'match':>5} {'j.true':>6} {'j.false':>7} {'judge':>5} {'truth':>5} "
            f"{'missed':>6}  precision     recall"]
    for code, row in list(a["codes"].items()) + [("TOTAL", a["total"])]:
        flag = "" if row["complete"] else "  (incomplete: to judge)"
        out.append(f"  {code:32} {row['raised']:>6} {row['matched']:>5} {row['judged_true']:>6} {row['judged_false']:>7} "
                   f"{row['to_judge']:>5} {row['truth']:>5} {row['missed']:>6}  {_range(row['precision']):13} "
                   f"{_range(row['recall'])}{flag}")
    out.append("")
    out.append(f"  Raised findings matching no truth entry ({len(a['extras'])}):")
    for e in a["extras"]:
        verdict = {None: "TO JUDGE", True: "judged true", False: "judged false"}[e["verdict"]]
        out.append(f"    [{verdict}] {e['letter']} {_item(e['item'])} {e['code']} (key {e['key']}): {e['message']}")
    out.append(f"  Truth findings the checker missed ({len(a['missed'])}):")
    out += [f"    {x['letter']} {_item(x['item'])} {x['code']} (where: {x['where']})" for x in a["missed"]]
    if a["judgments_unused"]:
        out.append(f"  Judgments that fit no unmatched finding (stale?): {len(a['judgments_unused'])}")
        out += [f"    {x['letter']} {_item(x['item'])} {x['code']}" + (f" key {x['key']}" if x["key"] else "")
                for x in a["judgments_unused"]]
    out += ["", "2. ROUTING",
            f"  items of the four kinds evaluated by their pack: {r['evaluated_by_their_pack']}/{r['kinds_items']} "
            f"({_pct(r['share'])}; target >= {_pct(r['target'])})"]
    out += [f"    {kind}: {k['evaluated']}/{k['items']} (pack {ROUTING[kind]})" for kind, k in r["per_kind"].items()]
    out += [f"    not evaluated by its pack: {x['letter']} item {x['item']} {x['kind']} -> "
            f"{x['pack'] or ('no pack' if x['aligned'] else 'no aligned checker item' if x['read'] else 'letter not read')}"
            for x in r["not_evaluated_by_their_pack"]]
    out.append(f"  items taken by a pack they do not belong to: {len(r['wrongly_taken'])}")
    out += [f"    {x['letter']} {_item(x['item'])} (checker item {x['checker_item']}) kind {x['kind'] or '?'}, "
            f"should be {x['expected'] or 'no pack'}, taken by {x['pack']}" for x in r["wrongly_taken"]]
    out.append(f"  real items in some pack: checker {r['checker_in_some_pack']}/{r['all_items']} "
               f"({_pct(r['share_checker_in_some_pack'])}); by the routing table {r['expected_in_some_pack']}/"
               f"{r['all_items']} ({_pct(r['share_expected_in_some_pack'])})")
    out += [f"  unaligned {x['side']} item: {x['letter']} item {x['item']}" if x["side"] != "doubtful" else
            f"  aligned by number, titles differ: {x['letter']} item {x['item']}" for x in r["unaligned"]]
    out.append(f"  items whose letter decision the checker read otherwise: {len(r['letter_decision_misread'])}")
    out += [f"    {x['letter']} item {x['item']}: truth {x['decision']}, read {x['read']}" for x in r["letter_decision_misread"]]
    pc = d["per_class"]
    out += ["", "3. DECISIONS (items of the four kinds evaluated by their pack)",
            f"  upheld -> non-certify: {pc['upheld']['right']}/{pc['upheld']['n']} ({_pct(d['upheld_recall'])}); "
            f"overturned -> certify: {pc['overturned']['right']}/{pc['overturned']['n']} ({_pct(d['overturn_recall'])})",
            f"  balanced accuracy: {_pct(d['balanced_accuracy'])}; overturn recall: {_pct(d['overturn_recall'])}",
            f"  against the decisions the criteria call for (the reader's decision-contradicts findings "
            f"reversed): balanced accuracy {_pct(d['by_criteria']['balanced_accuracy'])}, "
            f"overturn recall {_pct(d['by_criteria']['overturn_recall'])}",
            f"  disagreements ({len(d['disagreements'])}):"]
    out += [f"    {x['letter']} item {x['item']} {x['kind']}: letter {x['letter_decision']}, checker {x['predicted']}; "
            f"unmet: {', '.join(x['unmet']) or 'none'}"
            + ("  [the reader finds the letter's decision contradicts the criteria]"
               if x["reader_finds_decision_contradicts_criteria"] else "") for x in d["disagreements"]]
    out.append(f"  partly certified / other decisions, left out of the accuracy ({len(d['other_decisions'])}):")
    out += [f"    {x['letter']} item {x['item']} {x['kind']}: letter {x['decision']}, checker {x['predicted']}; "
            f"unmet: {', '.join(x['unmet']) or 'none'}" for x in d["other_decisions"]]
    return "\n".join(out) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("truth", type=Path, help="a truth.yaml (corpus/real-audit/<set>/truth.yaml)")
    p.add_argument("--pdf-dir", type=Path, default=None,
                   help=f"the letters' PDFs, <CASE>.pdf (default: {DEFAULT_PDF_DIR} from the repository)")
    p.add_argument("--judged", type=Path, default=None,
                   help="judgments of the extra findings (default: judged.yaml beside the truth file, if any)")
    p.add_argument("--rules", type=Path, default=None, help="rules folder (default: the checker's default rules)")
    p.add_argument("--letter-findings", choices=("per-item", "strict"), default="per-item")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = p.parse_args(argv)
    from checker.app import build

    try:
        truth = load_truth(args.truth)
        judgments = load_judgments(args.judged if args.judged is not None else args.truth.with_name("judged.yaml"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"measure_real: {exc}", file=sys.stderr)
        return 2
    kit = build(args.rules)
    pdf_dir = args.pdf_dir if args.pdf_dir is not None else ROOT / DEFAULT_PDF_DIR
    audits = observe(kit, pdf_dir, truth)
    result = measure(truth, audits, judgments, kit.auditor.r.severities, (p.id for p in kit.rules.packs),
                     per_item=args.letter_findings == "per-item")
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(render_text(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
