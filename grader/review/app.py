"""The review page: a small Starlette app over a ``ReviewStore``.

Security, because every answer on the page was written by a student and is hostile:

- the server binds 127.0.0.1 only and answers only ``Host: 127.0.0.1|localhost`` (no DNS
  rebinding);
- every request needs the session token: the printed URL carries it once (``?token=``), the
  app then sets it as an HttpOnly, SameSite=Strict cookie and redirects to the clean URL;
  a request with neither is refused with 403. Writes (POST) also need the token in the
  ``X-Review-Token`` header or a ``token`` form field, so another site cannot post;
- Jinja2 autoescapes every value; answers reach KaTeX as escaped text and are rendered by
  ``katex.render`` with ``trust: false`` (no links, no raw HTML); a Content-Security-Policy
  allows scripts from this server's ``/static`` only, so even a missed escape runs nothing.

Each decision is one POST that the store commits before the response is sent.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.review.store import ALL_STATUSES, DEFAULT_STATUSES, PAGE_SIZE, GroupDetail, ReviewStore

__all__ = ["create_app", "cookie_name", "COOKIE", "HERE"]

HERE = Path(__file__).resolve().parent
KATEX_DIR = HERE.parent / "output" / "static" / "katex"
COOKIE = "grader_review_token"
MAX_COMMENT_CHARS = 4000
MAX_FORM_BYTES = 64 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# How a review state reads on the page.
STATE_TEXT = {
    "pending": "waiting", "reconfirm": "re-confirm", "mixed": "partly decided",
    "decided": "decided", "auto": "automatic",
}
FORBIDDEN = (
    "403 forbidden: this review page needs its session token. "
    "Open the URL that 'grader review' printed (it ends with ?token=...).\n"
)


def cookie_name(port: int | None) -> str:
    """The token cookie of the server on ``port``: cookies ignore ports, so two review pages
    open in one browser (two folders, two ports) each keep their own."""
    return f"{COOKIE}_{port or 80}"


class TokenGate:
    """ASGI middleware: the session token on every request (query once, then the cookie)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    def _ok(self, candidate: str | None) -> bool:
        return candidate is not None and secrets.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        from_query = request.query_params.get("token")
        if request.method in ("GET", "HEAD") and self._ok(from_query):
            # First visit: remember the token in a cookie and drop it from the address bar.
            rest = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(cookie_name(request.url.port), self.token, httponly=True, samesite="strict", path="/")
            await response(scope, receive, send)
            return
        if not self._ok(request.cookies.get(cookie_name(request.url.port))):
            await PlainTextResponse(FORBIDDEN, status_code=403)(scope, receive, send)
            return
        if request.method not in ("GET", "HEAD") and not self._ok(request.headers.get("x-review-token")):
            # A form post carries the token as a field; read it without consuming the body twice.
            body = b""
            more = True
            chunks: list[Message] = []
            while more:
                message = await receive()
                chunks.append(message)
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_FORM_BYTES:
                    await PlainTextResponse("413 form too large\n", status_code=413)(scope, receive, send)
                    return
            fields = parse_qs(body.decode("utf-8", "replace"))
            if not self._ok(next(iter(fields.get("token", [])), None)):
                await PlainTextResponse(FORBIDDEN, status_code=403)(scope, receive, send)
                return

            async def replay() -> Message:
                return chunks.pop(0) if chunks else {"type": "http.disconnect"}

            receive = replay
        await self.app(scope, receive, send)


class SecurityHeaders:
    """ASGI middleware: CSP, no sniffing, no framing, no caching of pages with answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pts"] = lambda fraction, points: f"{float(fraction) * float(points):g}"
    env.filters["frac"] = lambda fraction: f"{float(fraction):g}"
    env.filters["state"] = lambda state: STATE_TEXT.get(state, state)
    return env


def _statuses(request: Request) -> tuple[str, ...]:
    asked = request.query_params.getlist("status")
    if "all" in asked:
        return ALL_STATUSES
    chosen = tuple(status for status in ALL_STATUSES if status in asked)
    return chosen or DEFAULT_STATUSES


def _filter_query(part_id: str | None, statuses: Sequence[str]) -> str:
    pairs: list[tuple[str, str]] = []
    if part_id:
        pairs.append(("part", part_id))
    if tuple(statuses) != DEFAULT_STATUSES:
        pairs += [("status", status) for status in statuses]
    return urlencode(pairs)


def _fraction(form: Any, points: float) -> float | None:
    """The decided fraction from a form: ``fraction`` (a suggested score) or ``points``."""
    try:
        if form.get("points") not in (None, ""):
            value = float(str(form.get("points"))) / points
        else:
            value = float(str(form.get("fraction")))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not (0.0 <= value <= 1.0):  # also rejects NaN
        return None
    return round(value, 9)


def _meanwhile(detail: GroupDetail, seen: Any) -> str:
    """Who else decided on the group after the page that posted was rendered (``seen``:
    the number of history entries that page showed)."""
    try:
        count = int(str(seen))
    except (TypeError, ValueError):
        return ""
    names = sorted({entry.who or "someone" for entry in detail.history[max(count, 0):]})
    return ", ".join(names)


def create_app(open_store: Callable[[], ReviewStore], token: str, who: str = "") -> Starlette:
    """The review app. ``open_store`` opens the results database (called per request)."""
    env = _templates()

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(token=token, **context), status_code=status_code)

    def not_found(what: str) -> HTMLResponse:
        return page("message.html", status_code=404, title="Not found", message=what)

    def with_store(handler: Callable[[Request, ReviewStore], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            store = open_store()
            try:
                return await handler(request, store)
            finally:
                store.close()

        return endpoint

    async def queue_view(request: Request, store: ReviewStore) -> Response:
        part_id = request.query_params.get("part") or None
        statuses = _statuses(request)
        try:
            page_number = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page_number = 1
        parts = list(store.parts())
        if part_id is not None and part_id not in {part.part_id for part in parts}:
            return not_found(f"no part {part_id!r} in this assignment")
        queue = store.queue(part_id, statuses, page_number, PAGE_SIZE)
        by_id = {part.part_id: part for part in parts}
        return page(
            "queue.html",
            title=store.title(),
            parts=parts,
            by_id=by_id,
            queue=queue,
            part_id=part_id,
            statuses=statuses,
            all_statuses=ALL_STATUSES,
            default_statuses=DEFAULT_STATUSES,
            filter_query=_filter_query(part_id, statuses),
        )

    def group_context(store: ReviewStore, detail: GroupDetail, request: Request, saved: str = "") -> dict[str, Any]:
        part_id = request.query_params.get("part") or None
        statuses = _statuses(request)
        previous, following = store.neighbours(detail.row.group_id, part_id, statuses)
        return {
            "title": store.title(),
            "detail": detail,
            "part": detail.part,
            "previous": previous,
            "following": following,
            "filter_query": _filter_query(part_id, statuses),
            "saved": saved,
        }

    async def group_view(request: Request, store: ReviewStore) -> Response:
        detail = store.group(request.path_params["group_id"])
        if detail is None:
            return not_found("no such answer group (it may have been merged by a regrade)")
        return page("group.html", **group_context(store, detail, request))

    async def _after_write(request: Request, store: ReviewStore, group_id: str, saved: str) -> Response:
        detail = store.group(group_id)
        if detail is None:
            return not_found("no such answer group")
        if request.headers.get("hx-request"):
            return page("group_body.html", **group_context(store, detail, request, saved=saved))
        query = request.url.query
        return RedirectResponse(f"/g/{group_id}" + (f"?{query}" if query else ""), status_code=303)

    async def decide_view(request: Request, store: ReviewStore) -> Response:
        group_id = request.path_params["group_id"]
        detail = store.group(group_id)
        if detail is None:
            return not_found("no such answer group")
        form = await request.form()
        fraction = _fraction(form, detail.part.points)
        no_score = not form.get("points") and not form.get("fraction")
        current = detail.row.decision
        if fraction is None and no_score and not form.get("student") and current is not None and current.fraction is not None:
            fraction = current.fraction  # "save" with no new score: the comment changes, the score stays
        if fraction is None:
            return PlainTextResponse(
                f"the score must be a number of points between 0 and {detail.part.points:g}\n", status_code=400
            )
        student_key = str(form.get("student") or "") or None
        members = {row.student_key: row for row in detail.students}
        if student_key is not None and student_key not in members:
            return PlainTextResponse("that student is not in this group\n", status_code=400)
        comment = str(form.get("comment") or "").strip()[:MAX_COMMENT_CHARS]
        store.decide(group_id, fraction, comment, who, student_key=student_key)
        whom = f"student {members[student_key].student_id}" if student_key else f"{detail.row.size} student(s)"
        saved = f"saved {fraction * detail.part.points:g}/{detail.part.points:g} for {whom}"
        meanwhile = _meanwhile(detail, form.get("seen"))
        if meanwhile:
            saved += f"; note: {meanwhile} changed this group since you opened it (see the history); yours is the latest"
        return await _after_write(request, store, group_id, saved)

    async def undo_view(request: Request, store: ReviewStore) -> Response:
        group_id = request.path_params["group_id"]
        if store.group(group_id) is None:
            return not_found("no such answer group")
        form = await request.form()
        student_key = str(form.get("student") or "") or None
        undone = store.undo(group_id, who, student_key=student_key)
        return await _after_write(request, store, group_id, "undone" if undone else "nothing to undo")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/favicon.ico", no_icon),
        Route("/", with_store(queue_view)),
        Route("/g/{group_id}", with_store(group_view)),
        Route("/g/{group_id}/decide", with_store(decide_view), methods=["POST"]),
        Route("/g/{group_id}/undo", with_store(undo_view), methods=["POST"]),
        # KaTeX is vendored once, beside the class report that inlines it (grader/output/static)
        Mount("/static/katex", app=StaticFiles(directory=str(KATEX_DIR)), name="katex"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
        Middleware(SecurityHeaders),
        Middleware(TokenGate, token=token),
    ]
    return Starlette(routes=routes, middleware=middleware)
