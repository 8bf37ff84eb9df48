"""The reviewers' pre-screening page: paste notes or a letter, upload a .txt/.pdf, or fill the criteria
checklist; see the predicted decision, each criterion with its evidence highlighted in the text, what
to request and what request would pass. A JSON API with the same schema as `--format json`.

Nothing is written to disk and no request body is logged; uploads are read in memory and capped.
Pages are rendered on the server (Jinja2); there is no front-end build and nothing loads from the web.
"""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict

from .errors import CheckerError

MAX_UPLOAD = 5 * 1024 * 1024
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "not_documented": "Not documented", "not_applicable": "Not applicable"}


@lru_cache(maxsize=1)
def _tools(rules_dir: str):
    from .audit import make_auditor
    from .cli import _checker
    from .rulepack import load_rules

    rules = load_rules(rules_dir)
    checker = _checker(rules)
    return rules, checker, make_auditor(rules, checker)


class FactsIn(BaseModel):
    """Case facts by name (see rules/facts.yaml); leave a fact out when it is not documented."""

    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any]


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    name: str = "pasted text"


class CorrectionIn(BaseModel):
    """The reviewer's reading of one fact: its value (null: not documented) and why."""

    model_config = ConfigDict(extra="forbid")
    fact: str
    value: Union[bool, int, float, str, list[str], None]
    reason: str = ""
    item: Optional[int] = None


class ReviewIn(TextIn):
    corrections: list[CorrectionIn]


def _highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The source text as HTML with each evidence span in a <mark id=...>; overlapping spans merge."""
    out, pos = [], 0
    for start, end, anchor in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark id="{anchor}" tabindex="-1">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _view_item(item_json: dict[str, Any], text: str, n: int) -> tuple[dict[str, Any], list[tuple[int, int, str]]]:
    """Template data for one item, and the evidence spans to mark in the source text."""
    spans, seen = [], {}
    criteria = []
    for c in item_json.get("criteria", []):
        anchors = []
        for ev in c["evidence"]:
            for q in ev["quotes"]:
                if q.get("start") is None:
                    continue
                key = (q["start"], q["end"])
                if key not in seen:
                    seen[key] = f"ev{n}-{len(seen)}"
                    spans.append((q["start"], q["end"], seen[key]))
                anchors.append(seen[key])
        criteria.append({**c, "status_words": STATUS_WORDS[c["status"]], "anchors": anchors,
                         "sentence": c.get("summary") or c["reason"]})
    fact_anchors = {}
    for name, fact in (item_json.get("facts") or {}).items():
        for q in fact["evidence"]:
            if q.get("start") is not None:
                key = (q["start"], q["end"])
                if key not in seen:
                    seen[key] = f"ev{n}-{len(seen)}"
                    spans.append((q["start"], q["end"], seen[key]))
                fact_anchors.setdefault(name, []).append((seen[key], q["quote"]))
    from .review import words

    review = [{**c, "extracted_words": words(c["extracted"]), "value_words": words(c["value"])}
              for c in item_json.get("review", [])]
    return {**item_json, "criteria": criteria, "fact_anchors": fact_anchors, "review": review}, spans





def create_app(rules_dir: Optional[str] = None) -> FastAPI:
    from .cli import default_rules

    rules_dir = str(rules_dir or default_rules())
    app = FastAPI(title="MTUS trigger point injection checker", version="1", docs_url=None, redoc_url=None,
                  description="Pre-screening of trigger point injection requests against the MTUS 2009 criteria. "
                              "A non-certify result is a recommendation for physician review.")

    def error_page(request: Request, message: str, status: int) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "error.html", {"message": message}, status_code=status)

    async def read_upload(upload: Optional[UploadFile]) -> Optional[bytes]:
        if upload is None or not upload.filename:
            return None
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise CheckerError(f"{upload.filename}: larger than the {MAX_UPLOAD // (1024 * 1024)} MB upload limit")
        return data

    def check_source(source):
        rules, checker, auditor = _tools(rules_dir)
        from .report import audit_json

        return audit_json(auditor.audit(checker.check_source(source)), rules.vocabulary)

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        rules, _, _ = _tools(rules_dir)
        return TEMPLATES.TemplateResponse(request, "home.html", {"facts": _checklist(rules)})

    @app.post("/check", response_class=HTMLResponse)
    async def check_page(request: Request, text: str = Form(""), upload: Optional[UploadFile] = File(None)) -> HTMLResponse:
        from .source import read_bytes, read_text

        rules, checker, _ = _tools(rules_dir)
        try:
            _one_input(text, upload)
            data = await read_upload(upload)
            if data is not None:
                source = read_bytes(data, upload.filename)
            elif text.strip():
                source = read_text(text, "pasted text")
            else:
                raise CheckerError("Paste notes or a letter, or choose a .txt or .pdf file.")
            checked = checker.check_source(source)
        except CheckerError as exc:
            return home_page(request, exc.message, text=text)
        return result_page(request, source, checked)

    @app.post("/evaluate", response_class=HTMLResponse)
    async def evaluate_page(request: Request) -> HTMLResponse:
        form = await request.form()
        rules, _, _ = _tools(rules_dir)
        raw = _facts_from_form(dict(form), rules)
        try:
            decided = _evaluate(raw, rules_dir)
        except CheckerError as exc:
            return home_page(request, exc.message, entered=dict(form))
        view, _ = _view_item({"title": "Request entered by hand", "predicted_decision": decided["decision"],
                              "letter_decision": None, **decided}, "", 0)
        return TEMPLATES.TemplateResponse(request, "result.html", {"letter": None, "items": [view], "source": None,
                                                                   "name": "checklist"})

    @app.post("/review", response_class=HTMLResponse)
    async def review_page(request: Request) -> Response:
        """Re-evaluate one item with the reviewer's confirmed or corrected facts, or download it as a case."""
        from .review import ReviewError, review_letter
        from .source import read_text

        form = dict(await request.form())
        rules, checker, _ = _tools(rules_dir)
        try:
            source = read_text(str(form.get("text", "")), str(form.get("name") or "pasted text")[:200])
            n = int(str(form.get("item", "")))
            checked = checker.check_source(source)
            corrections = _form_corrections(form, rules, n)
        except ValueError:
            return error_page(request, "This review form is incomplete; start again from the first page.", 400)
        except CheckerError as exc:
            return error_page(request, exc.message, 400)
        try:
            review_letter(checked, corrections, rules, checker.evaluate)
        except ReviewError as exc:
            return result_page(request, source, checked, review=(n, form, exc.problems))
        except CheckerError as exc:
            return error_page(request, exc.message, 400)
        if form.get("action") == "download":
            from .report import dump_case, item_case

            case = item_case(checked, checked.items[n - 1], n, on_disk=False)
            return Response(dump_case(case), media_type="application/x-yaml",
                            headers={"Content-Disposition": f'attachment; filename="{case["id"]}.yaml"'})
        return result_page(request, source, checked)

    def home_page(request: Request, message: str, text: str = "", entered: Optional[dict] = None) -> HTMLResponse:
        """The first page again with what was entered and what is wrong with it."""
        rules, _, _ = _tools(rules_dir)
        return TEMPLATES.TemplateResponse(request, "home.html", {
            "facts": _checklist(rules), "error": message, "text": text, "entered": entered or {}}, status_code=400)

    def result_page(request: Request, source, checked, review=None) -> HTMLResponse:
        """The result of a check: each item with its criteria, evidence and the review form."""
        rules, _, auditor = _tools(rules_dir)
        from .report import audit_json

        letter = audit_json(auditor.audit(checked), rules.vocabulary)
        items, spans = [], []
        for n, item in enumerate(letter["items"]):
            view, marks = _view_item(item, source.text, n)
            if item.get("predicted_decision"):
                entered, problems = (review[1], review[2]) if review and review[0] == n + 1 else (None, [])
                view["review_rows"] = _review_rows(view, rules, entered, problems)
                view["review_problems"] = [m for _, m in problems]
            items.append(view)
            spans += marks
        return TEMPLATES.TemplateResponse(request, "result.html", {
            "letter": letter, "items": items, "source": _highlight(source.text, spans), "name": source.path,
            "text": source.text}, status_code=400 if review else 200)

    @app.post("/api/check")
    async def api_check(upload: Optional[UploadFile] = File(None)) -> JSONResponse:
        """Check an uploaded letter or note (multipart field `upload`); same schema as `checker audit --format json`."""
        from .report import document_json
        from .source import read_bytes

        try:
            data = await read_upload(upload)
            if data is None:
                return JSONResponse({"error": "send a file in the form field 'upload'"}, status_code=400)
            return JSONResponse(document_json([check_source(read_bytes(data, upload.filename))], []))
        except CheckerError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)

    @app.post("/api/check-text")
    def api_check_text(body: TextIn) -> JSONResponse:
        """Check pasted notes or letter text; same schema as `checker audit --format json`."""
        from .report import document_json
        from .source import read_text

        try:
            return JSONResponse(document_json([check_source(read_text(body.text, body.name))], []))
        except CheckerError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)

    @app.post("/api/review")
    def api_review(body: ReviewIn) -> JSONResponse:
        """Check pasted text with the reviewer's corrections; the `check-text` schema, every fact with its
        origin and each item's `review` (the changes and their reasons), plus `cases`: each evaluated item
        as a case file (checker/case/1, as JSON, which is YAML) that `checker evaluate` reads unchanged."""
        from .report import document_json, item_case
        from .review import Correction, review_letter
        from .source import read_text

        rules, checker, auditor = _tools(rules_dir)
        try:
            checked = checker.check_source(read_text(body.text, body.name))
            review_letter(checked, [Correction(c.fact, c.value, c.reason[:500], c.item) for c in body.corrections],
                          rules, checker.evaluate)
        except CheckerError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        from .report import audit_json

        out = document_json([audit_json(auditor.audit(checked), rules.vocabulary)], [])
        out["cases"] = [item_case(checked, item, n, on_disk=False)
                        for n, item in enumerate(checked.items, 1) if item.decision is not None]
        return JSONResponse(out)

    @app.post("/api/evaluate")
    def api_evaluate(body: FactsIn) -> JSONResponse:
        """Evaluate facts given by name; same schema as one case of `checker evaluate --format json`."""
        try:
            return JSONResponse(_evaluate(body.facts, rules_dir))
        except CheckerError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)

    return app


def _evaluate(raw: dict[str, Any], rules_dir: str) -> dict[str, Any]:
    from .decision import evaluate_facts
    from .facts import build_factset
    from .render import decision_json

    rules, checker, _ = _tools(rules_dir)
    raw = {"treatment": "trigger_point_injection", **raw}
    facts, errors = build_factset(raw, rules.vocabulary, "checklist")
    if errors:
        vocab = rules.vocabulary.facts
        raise CheckerError("; ".join(message if name not in vocab or message.startswith(vocab[name].label)
                                     else f"{vocab[name].label}: {message}" for name, message in errors))
    return decision_json(evaluate_facts(facts, rules, checker.evaluate))


def _one_input(text: str, upload: Optional[UploadFile]) -> None:
    """Pasted text and a file together are refused (which one was meant?); only .txt and .pdf files."""
    if upload is None or not upload.filename:
        return
    if text.strip():
        raise CheckerError("Both pasted text and a file were given: check one at a time (clear the text box, "
                           "or remove the file).")
    if Path(upload.filename).suffix.lower() not in (".txt", ".pdf"):
        raise CheckerError(f"{Path(upload.filename).name}: only .txt and .pdf files can be checked")


def _review_rows(view: dict[str, Any], rules, entered: Optional[dict], problems: list) -> list[dict[str, Any]]:
    """One row per checklist fact: the value now used (or what the reviewer entered when it was refused),
    where it came from, its quotes, the computed value of a derived fact, and the reviewer's reason."""
    from .review import words

    facts = view.get("facts") or {}
    computed = {e["fact"]: e for c in view["criteria"] for e in c["evidence"] if e.get("derivation")}
    wrong = dict(problems)
    was = {c["fact"]: c["extracted_words"] for c in view.get("review", [])}
    rows = []
    for f in _checklist(rules):
        name, fact = f["name"], facts.get(f["name"])
        if entered is not None:
            value, reason = str(entered.get(name, "")), str(entered.get("reason-" + name, ""))
        else:
            value, reason = words(fact["value"], "") if fact else "", fact.get("reason", "") if fact else ""
        derived = computed.get(name)
        rows.append({**f, "value": value, "reason": reason, "origin": fact["origin"] if fact else None,
                     "was": was.get(name),
                     "quotes": view["fact_anchors"].get(name, []), "error": wrong.get(name),
                     "computed": f"{derived['value']} (computed: {derived['derivation']})"
                                 if derived and not fact else None})
    return rows


def _form_corrections(form: dict[str, Any], rules, item: int) -> list:
    """The review form's values as corrections of one item: every checklist fact, as the reviewer left it
    (a value equal to the one read confirms it)."""
    from .review import Correction, form_value

    out = []
    for f in _checklist(rules):
        if f["name"] not in form:
            continue  # a field the form did not send is left as it was read, never taken as "not documented"
        spec = rules.vocabulary.facts[f["name"]]
        raw = form_value(spec, str(form.get(f["name"], "")))
        out.append(Correction(f["name"], raw, str(form.get("reason-" + f["name"], ""))[:500], item))
    return out


def _checklist(rules) -> list[dict[str, Any]]:
    """One form control per fact a criterion reads, from the vocabulary (no fact is named in code)."""
    used = {f for p in rules.packs for c in p.criteria for f in c.facts}
    inputs = {f for name in used for f in _inputs_of(name, rules)}
    out = []
    for name, spec in rules.vocabulary.facts.items():
        if name in inputs and name != "treatment":
            out.append({"name": name, "label": spec.label, "type": spec.type, "values": spec.values or [],
                        "min": spec.min, "max": spec.max, "group": spec.group})
    return out


def _inputs_of(name: str, rules) -> list[str]:
    spec = rules.vocabulary.facts[name]
    if spec.derive is None:
        return [name]
    if spec.derive.days_between:
        return [name] + spec.derive.days_between.start + spec.derive.days_between.end
    return [spec.derive.classify.fact]


def _facts_from_form(form: dict[str, Any], rules) -> dict[str, Any]:
    """Checklist answers to typed facts: an empty answer is 'not documented'."""
    from .review import form_value

    out: dict[str, Any] = {}
    for name, spec in rules.vocabulary.facts.items():
        value = form_value(spec, str(form.get(name, "")))
        if value is not None:
            out[name] = value
    return out


def serve(host: str, port: int, rules_dir: Optional[str] = None) -> None:
    import uvicorn

    uvicorn.run(create_app(rules_dir), host=host, port=port, access_log=False, log_level="warning")
