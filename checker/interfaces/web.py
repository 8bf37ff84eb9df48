"""The reviewers' pre-screening page: paste notes or a letter, upload a .txt/.pdf, or fill the criteria
checklist; see the predicted decision, each criterion with its evidence highlighted in the text, what
to request and what request would pass. A JSON API with the same schema as `--format json`.

Nothing is written to disk and no request body is logged. Every request body is capped while it
streams in (`BodyLimit`: 413 before more than the cap is read, nothing spooled), every check runs in a
worker process under a time limit (checker/webwork.py), and no error response repeats what was sent.
Pages are rendered on the server (Jinja2); there is no front-end build and nothing loads from the web.
"""
from __future__ import annotations

import html
import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Optional, Union

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict

from checker.core.errors import CheckerError
from checker.interfaces.webjobs import _checklist, tools

MAX_UPLOAD = 5 * 1024 * 1024
# the whole request body: an upload at the limit, its multipart envelope and the form's other fields
MAX_BODY = MAX_UPLOAD + 256 * 1024
TIME_LIMIT = 20.0  # seconds per check


def _site(request: Request) -> dict[str, Any]:
    """What the page checks, in every template: the loaded packs' guideline, section and pages."""
    return {"site": request.app.state.site}


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"), context_processors=[_site])
NO_SITE = {"title": "Pre-screening", "sources": [], "against": "the rule packs"}
STATUS_WORDS = {"met": "Met", "not_met": "Not met", "not_documented": "Not documented", "not_applicable": "Not applicable"}


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
    from checker.core.values import words

    review = [{**c, "extracted_words": words(c["extracted"]), "value_words": words(c["value"])}
              for c in item_json.get("review", [])]
    return {**item_json, "criteria": criteria, "fact_anchors": fact_anchors, "review": review}, spans


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes is answered 413 before more than `limit` bytes
    are read (a declared Content-Length over it is refused before reading anything); the body is
    handed to the app from memory, so the framework never spools an upload to disk."""

    def __init__(self, app, limit: int, site: Optional[dict[str, Any]] = None):
        self.app, self.limit = app, limit
        self.site = site or NO_SITE  # the page's title and what it checks (see site_of)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, send)
            return
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, send) -> None:
        message = f"the request is larger than the {self.limit // (1024 * 1024)} MB limit"
        if scope["path"].startswith("/api/"):
            body, kind = json.dumps({"error": message}).encode(), b"application/json"
        else:
            body, kind = TEMPLATES.get_template("error.html").render(message=message, site=self.site).encode(), b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def site_of(rules_dir: str) -> dict[str, Any]:
    """The page's title and what it checks against, from the rule packs (no pack is named in code)."""
    from checker.rules.rulepack import load_rules

    try:
        packs = load_rules(rules_dir).packs
    except CheckerError:  # the checks will report the broken rules; the page still needs a title
        return NO_SITE
    sources = [{"guideline": p.guideline.title, "edition": p.guideline.edition, "section": p.section,
                "pages": ", ".join(map(str, p.pages))} for p in packs]
    # one pack: its section names the page; several: the page lists them under "what it checks against"
    title = f"{packs[0].section} pre-screening" if len(packs) == 1 else "Guideline pre-screening"
    return {"title": title, "sources": sources,
            "against": "; ".join(f"{s['guideline']} {s['edition']}, {s['section']}" for s in sources)}


class Failed(Exception):
    """A check that ended in an error, with the status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def create_app(rules_dir: Optional[str] = None, workers: Optional[int] = None, time_limit: float = TIME_LIMIT) -> FastAPI:
    from checker.app import default_rules
    from checker.interfaces.webwork import Workers

    rules_dir = str(rules_dir or default_rules())
    pool = Workers(rules_dir, workers, time_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        pool.close()  # the workers start with the first check (or pool.start(), as `serve` does)

    site = site_of(rules_dir)
    app = FastAPI(title=site["title"], version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  description=f"Pre-screening of requests against {site['against']}. "
                              "A non-certify result is a recommendation for physician review.")
    app.add_middleware(BodyLimit, limit=MAX_BODY, site=site)
    app.state.workers = pool
    app.state.site = site

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # where and what kind only: the framework's default answer repeats the submitted values
        problems = [{"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type", "invalid")} for e in exc.errors()]
        return JSONResponse({"error": "the request does not match the API description", "problems": problems},
                            status_code=422)

    async def run(kind: str, *payload: Any) -> dict[str, Any]:
        """One check in a worker process; Failed when it ended in an error."""
        out = await pool.run(kind, payload)
        if "error" in out:
            raise Failed(out["error"], out.get("status", 400))
        return out

    def json_answer(out: dict[str, Any]) -> Response:
        return Response(out["body"], media_type="application/json")

    def error_page(request: Request, message: str, status: int) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "error.html", {"message": message}, status_code=status)

    async def read_upload(upload: Optional[UploadFile]) -> Optional[bytes]:
        if upload is None or not upload.filename:
            return None
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise CheckerError(f"{upload.filename}: larger than the {MAX_UPLOAD // (1024 * 1024)} MB upload limit")
        return data

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        rules, _, _ = tools(rules_dir)
        return TEMPLATES.TemplateResponse(request, "home.html", {"facts": _checklist(rules)})

    @app.post("/check", response_class=HTMLResponse)
    async def check_page(request: Request, text: str = Form(""), upload: Optional[UploadFile] = File(None)) -> HTMLResponse:
        try:
            _one_input(text, upload)
            data = await read_upload(upload)
            if data is not None:
                out = await run("letter", "bytes", data, upload.filename)
            elif text.strip():
                out = await run("letter", "text", text, "pasted text")
            else:
                raise CheckerError("Paste notes or a letter, or choose a .txt or .pdf file.")
        except (CheckerError, Failed) as exc:
            if getattr(exc, "status", 400) != 400:
                return error_page(request, exc.message, exc.status)
            return home_page(request, exc.message, text=text)
        return result_page(request, out)

    @app.post("/evaluate", response_class=HTMLResponse)
    async def evaluate_page(request: Request) -> HTMLResponse:
        form = await request.form()
        rules, _, _ = tools(rules_dir)
        raw = _facts_from_form(dict(form), rules)
        try:
            decided = (await run("facts", raw))["result"]
        except Failed as exc:
            return home_page(request, exc.message, entered=dict(form))
        view, _ = _view_item({"title": "Request entered by hand", "predicted_decision": decided["decision"],
                              "letter_decision": None, **decided}, "", 0)
        return TEMPLATES.TemplateResponse(request, "result.html", {"letter": None, "items": [view], "source": None,
                                                                   "name": "checklist"})

    @app.post("/review", response_class=HTMLResponse)
    async def review_page(request: Request) -> Response:
        """Re-evaluate one item with the reviewer's confirmed or corrected facts, or download it as a case."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            out = await run("review", form)
        except Failed as exc:
            return error_page(request, exc.message, exc.status)
        if "download" in out:
            case_id, text = out["download"]
            return Response(text, media_type="application/x-yaml",
                            headers={"Content-Disposition": f'attachment; filename="{case_id}.yaml"'})
        return result_page(request, out)

    def home_page(request: Request, message: str, text: str = "", entered: Optional[dict] = None) -> HTMLResponse:
        """The first page again with what was entered and what is wrong with it."""
        rules, _, _ = tools(rules_dir)
        return TEMPLATES.TemplateResponse(request, "home.html", {
            "facts": _checklist(rules), "error": message, "text": text, "entered": entered or {}}, status_code=400)

    def result_page(request: Request, out: dict[str, Any]) -> HTMLResponse:
        """The result of a check (as a worker returned it): each item with its criteria, evidence and the
        review form."""
        rules, _, _ = tools(rules_dir)
        letter, text, review = out["letter"], out["text"], out.get("review")
        items, spans = [], []
        for n, item in enumerate(letter["items"]):
            view, marks = _view_item(item, text, n)
            if item.get("predicted_decision"):
                entered, problems = (review[1], review[2]) if review and review[0] == n + 1 else (None, [])
                view["review_rows"] = _review_rows(view, rules, entered, problems)
                view["review_problems"] = [m for _, m in problems]
            items.append(view)
            spans += marks
        return TEMPLATES.TemplateResponse(request, "result.html", {
            "letter": letter, "items": items, "source": _highlight(text, spans), "name": out["path"],
            "text": text}, status_code=400 if review else 200)

    @app.post("/api/check")
    async def api_check(upload: Optional[UploadFile] = File(None)) -> JSONResponse:
        """Check an uploaded letter or note (multipart field `upload`); same schema as `checker audit --format json`."""
        try:
            data = await read_upload(upload)
            if data is None:
                return JSONResponse({"error": "send a file in the form field 'upload'"}, status_code=400)
            return json_answer(await run("api", "bytes", data, upload.filename))
        except CheckerError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        except Failed as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.post("/api/check-text")
    async def api_check_text(body: TextIn) -> JSONResponse:
        """Check pasted notes or letter text; same schema as `checker audit --format json`."""
        try:
            return json_answer(await run("api", "text", body.text, body.name))
        except Failed as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.post("/api/review")
    async def api_review(body: ReviewIn) -> JSONResponse:
        """Check pasted text with the reviewer's corrections; the `check-text` schema, every fact with its
        origin and each item's `review` (the changes and their reasons), plus `cases`: each evaluated item
        as a case file (checker/case/1, as JSON, which is YAML) that `checker evaluate` reads unchanged."""
        try:
            return json_answer(await run("api-review", body.model_dump()))
        except Failed as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.post("/api/evaluate")
    async def api_evaluate(body: FactsIn) -> JSONResponse:
        """Evaluate facts given by name; same schema as one case of `checker evaluate --format json`."""
        try:
            return JSONResponse((await run("facts", body.facts))["result"])
        except Failed as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)

    return app


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
    from checker.core.values import words

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


def _facts_from_form(form: dict[str, Any], rules) -> dict[str, Any]:
    """Checklist answers to typed facts: an empty answer is 'not documented'."""
    from checker.decision.review import form_value

    out: dict[str, Any] = {}
    for name, spec in rules.vocabulary.facts.items():
        value = form_value(spec, str(form.get(name, "")))
        if value is not None:
            out[name] = value
    return out


def serve(host: str, port: int, rules_dir: Optional[str] = None, workers: Optional[int] = None,
          time_limit: float = TIME_LIMIT) -> None:
    import uvicorn

    app = create_app(rules_dir, workers, time_limit)
    app.state.workers.start()
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                limit_concurrency=200, timeout_keep_alive=5)
