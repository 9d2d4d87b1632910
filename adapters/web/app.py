"""The web pages over HTTP (Flask, Jinja2 templates): a link from chat opens a session
(`/web/open/TOKEN` → a cookie and a redirect to a clean address), then the organizer's
dashboard (`/web/report/SLUG`, its CSV) or the student's plan (`/web/plan`, its forms, its
CSV). Everything is decided by `bot.pages.port.WebPort` (`bot.app.web.WebPages` in the program); this module only reads the request,
calls it and renders.

Every response carries a strict Content-Security-Policy (nothing but this server's own
style sheet and icon; no script at all: the plan table sorts by links), `Referrer-Policy:
no-referrer` (an address never leaks to another site), `X-Content-Type-Options: nosniff`,
no framing, and `Cache-Control: no-store` on pages (they hold private data). Forms that
change something are POSTs with a token tied to the session (CSRF), from this origin only.
Link-preview robots and HEAD requests get a page that spends nothing: a one-time link
fetched by a preview would be used up before its person opens it."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, make_response, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from bot.errors import NotAllowed, NotFound, UserError
from bot.pages.port import Filters, Opened, Visitor, WebPort, parse_filters
from bot.reports.rules import DEFAULT_WEEKS, MAX_WEEKS
from bot.web import messages as web_messages
from bot.web import plan as plan_rules
from bot.web.rules import NOTE_LIFETIME, STATIC_PATH, WEB_ROOT, Page, Refusal
from bot.web.rules import SESSION_LIFETIME as COOKIE_LIFETIME

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIES = {Page.REPORT: "mentorbot_report", Page.PLAN: "mentorbot_plan"}
"""One session cookie per page, so opening a plan link keeps the dashboard's session."""
NOTE_COOKIE = "mentorbot_note"
MAX_FORM_BYTES = 16_384
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; script-src 'none'; "
       "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
PREVIEW_ROBOTS = re.compile(
    r"Slackbot|Slack-ImgProxy|Discordbot|facebookexternalhit|Twitterbot|LinkedInBot|"
    r"WhatsApp|TelegramBot|SkypeUriPreview|Teams|Iframely|embedly|Google-PageRenderer",
    re.IGNORECASE)
"""User agents that fetch a link to preview it: they are shown a page that spends nothing."""

ERRORS = {
    400: ("That didn't work", ""),
    401: ("Open a new link", "This page needs a link from chat, and yours has run out or was "
          "never opened in this browser."),
    403: ("Not for you", "This link or page is not yours to open, or it was changed."),
    404: ("Not found", "There is no such page."),
    405: ("Not allowed", "That is not how this page is used."),
    410: ("This link is spent", ""),
    413: ("Too large", "That form is larger than any of ours."),
    500: ("Something went wrong", "Something went wrong on our side; nothing was changed."),
}
REFUSALS = {
    Refusal.TAMPERED: "This link is not one mentorbot made, or it was changed on the way. "
                      "Ask for a new one in chat.",
    Refusal.EXPIRED: f"This link ran out: links work for {web_messages.lifetime_text()}. Ask "
                     "for a new one in chat.",
    Refusal.REUSED: "This link was opened before, and a link works once. Ask for a new one in "
                    "chat (the browser that opened it first stays signed in for "
                    f"{web_messages.session_text()}).",
    Refusal.NOT_ALLOWED: "You may not see this page (any more): the dashboard is for the "
                         "group's organizers, the plan page for the student whose plan it is.",
}
AGAIN = {Page.REPORT: "/mentor report web", Page.PLAN: "/residency plan web"}


def create_app(pages: WebPort) -> Flask:
    app = Flask(__name__, static_folder=str(HERE / "static"), static_url_path=STATIC_PATH,
                template_folder=str(HERE / "templates"))
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, SEND_FILE_MAX_AGE_DEFAULT=3600,
                      TEMPLATES_AUTO_RELOAD=False)
    app.jinja_env.globals.update(static=STATIC_PATH, web_root=WEB_ROOT,
                                 fee_text=plan_rules.fee_text)
    app.after_request(lambda response: _secure(response, https=pages.secure))
    _register_errors(app)
    _register_links(app, pages)
    _register_dashboard(app, pages)
    _register_plan(app, pages)
    return app


# --- every response --------------------------------------------------------------------------


def _secure(response: Response, *, https: bool) -> Response:
    """Every response's headers (see the module doc); HSTS when the pages are served over
    HTTPS (PUBLIC_URL), whatever the proxy in front tells us."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith(STATIC_PATH + "/"):
        response.headers["Cache-Control"] = "no-store"
    if https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _error_page(status: int, message: str = "") -> Response:
    title, default = ERRORS.get(status, ERRORS[500])
    body = render_template("error.html", title=title, message=message or default,
                           status=status)
    return make_response(body, status)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _error_page(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("web page failed: %s %s", request.method, request.path)
        return _error_page(500)


def _refused(refusal: Refusal, page: Page | None = None) -> Response:
    message = REFUSALS[refusal]
    if page is not None and refusal != Refusal.NOT_ALLOWED:
        message = message.replace("in chat", f"in chat ({AGAIN[page]})")
    return _error_page(refusal.status, message)


# --- links -----------------------------------------------------------------------------------


def _register_links(app: Flask, pages: WebPort) -> None:
    @app.route(f"{WEB_ROOT}/open/<token>", methods=["GET", "HEAD"])
    def open_link(token: str) -> Response:
        agent = request.headers.get("User-Agent", "")
        if request.method == "HEAD" or PREVIEW_ROBOTS.search(agent):
            return make_response(render_template("preview.html"), 200)
        opened = pages.open_link(token)
        if isinstance(opened, Refusal):
            log.info("web link refused: %s", opened.value)
            return _refused(opened)
        return _start_session(pages, opened)


def _start_session(pages: WebPort, opened: Opened) -> Response:
    target = opened.path
    weeks = request.args.get("weeks", "")
    if opened.grant.page == Page.REPORT and weeks.isdigit() and 1 <= int(weeks) <= MAX_WEEKS \
            and int(weeks) != DEFAULT_WEEKS:
        target += "?" + urlencode({"weeks": weeks})
    response = make_response(redirect(target, code=303))
    response.set_cookie(COOKIES[opened.grant.page], opened.cookie,
                        max_age=int(COOKIE_LIFETIME.total_seconds()), path=WEB_ROOT,
                        secure=pages.secure, httponly=True, samesite="Lax")
    return response


def _visitor(pages: WebPort, page: Page) -> Visitor | Response:
    found = pages.visitor(page, request.cookies.get(COOKIES[page]))
    if found is None:
        return _error_page(401, ERRORS[401][1] + f" Ask for one in chat: {AGAIN[page]}")
    if isinstance(found, Refusal):
        return _refused(found, page)
    return found


def _handled(call: Callable[[], Response]) -> Response:
    """`call`'s page, or the page a refusal from the core asks for."""
    try:
        return call()
    except NotAllowed as exc:
        return _error_page(403, exc.message)
    except NotFound as exc:
        return _error_page(404, exc.message)
    except UserError as exc:
        return _error_page(400, exc.message)


def _csv(filename: str, text: str) -> Response:
    response = make_response(text.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the dashboard ---------------------------------------------------------------------------


def _filters() -> Filters:
    return parse_filters(request.args.get("weeks"), request.args.get("stage"),
                         request.args.get("kind"))


def _register_dashboard(app: Flask, pages: WebPort) -> None:
    @app.get(f"{WEB_ROOT}/report/<slug>")
    def dashboard(slug: str) -> Response:
        visitor = _visitor(pages, Page.REPORT)
        if isinstance(visitor, Response):
            return visitor

        def show() -> Response:
            filters = _filters()
            view = pages.dashboard(visitor, slug, filters)
            csv_link = f"{WEB_ROOT}/report/{slug}/csv?" + urlencode(filters.query())
            return make_response(render_template(
                "dashboard.html", view=view, visitor=visitor, filters=filters,
                stages=pages.STAGES, kinds=pages.KINDS, csv_link=csv_link,
                max_weeks=MAX_WEEKS))

        return _handled(show)

    @app.get(f"{WEB_ROOT}/report/<slug>/csv")
    def dashboard_csv(slug: str) -> Response:
        visitor = _visitor(pages, Page.REPORT)
        if isinstance(visitor, Response):
            return visitor
        return _handled(lambda: _csv(*pages.report_csv(visitor, slug, _filters())))


# --- the plan --------------------------------------------------------------------------------


def _same_origin(pages: WebPort) -> bool:
    """A form post does not come from another site: its Origin, when it names one, is
    this site. Our own pages send `Origin: null` (Referrer-Policy no-referrer makes the
    browser hide it), as does a sandboxed frame elsewhere: that one is stopped by the
    session cookie (SameSite=Lax: not sent on another site's POST) and the CSRF token it
    cannot know."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    public = urlsplit(pages.public_url)
    served = urlsplit(request.host_url)
    allowed = {f"{public.scheme}://{public.netloc}", f"{served.scheme}://{served.netloc}"}
    return origin.rstrip("/") in allowed


def _register_plan(app: Flask, pages: WebPort) -> None:
    @app.get(f"{WEB_ROOT}/plan")
    def plan() -> Response:
        visitor = _visitor(pages, Page.PLAN)
        if isinstance(visitor, Response):
            return visitor

        def show() -> Response:
            view = pages.plan(visitor)
            column = request.args.get("sort", plan_rules.DEFAULT_SORT)
            if column not in plan_rules.SORT_KEYS:
                column = plan_rules.DEFAULT_SORT
            descending = request.args.get("order") == "desc"
            note = pages.read_note(request.cookies.get(NOTE_COOKIE))
            response = make_response(render_template(
                "plan.html", view=view, visitor=visitor,
                rows=plan_rules.sorted_rows(view.rows, column, descending=descending),
                column=column, descending=descending, columns=PLAN_COLUMNS,
                tiers=plan_rules.SIGNAL_TIERS, note=note))
            if note is not None:
                response.delete_cookie(NOTE_COOKIE, path=WEB_ROOT)
            return response

        return _handled(show)

    @app.get(f"{WEB_ROOT}/plan/csv")
    def plan_csv() -> Response:
        visitor = _visitor(pages, Page.PLAN)
        if isinstance(visitor, Response):
            return visitor
        return _handled(lambda: _csv(*pages.plan_csv(visitor)))

    @app.post(f"{WEB_ROOT}/plan/<action>")
    def plan_action(action: str) -> Response:
        visitor = _visitor(pages, Page.PLAN)
        if isinstance(visitor, Response):
            return visitor
        if not _same_origin(pages) or not pages.csrf_ok(visitor, request.form.get("csrf", "")):
            log.warning("plan form refused: no valid CSRF token or another origin")
            return _error_page(403, "This form did not come from your plan page. Reload the "
                                    "page and try again.")
        try:
            done = pages.plan_action(visitor, action, request.form.get("key", ""),
                                     request.form.get("tier", ""))
        except NotFound as exc:
            return _error_page(404, exc.message)
        except UserError as exc:
            done = f"Nothing changed: {exc.message}"
        back = request.form.get("back", "")
        target = f"{WEB_ROOT}/plan" + (f"?{back}" if _safe_query(back) else "")
        response = make_response(redirect(target, code=303))
        response.set_cookie(NOTE_COOKIE, pages.note(done), path=WEB_ROOT,
                            max_age=int(NOTE_LIFETIME.total_seconds()), secure=pages.secure,
                            httponly=True, samesite="Lax")
        return response


PLAN_COLUMNS = (("program", "Program"), ("city", "City"), ("state", "State"),
                ("tier", "Tier"), ("signal", "Signal"), ("letters", "Letters"),
                ("fee", "Fee"))
SAFE_QUERY = re.compile(r"^(sort=[a-z]+)?(&?order=(asc|desc))?$")


def _safe_query(query: str) -> bool:
    """The sort the form was sent from, kept across the redirect (and nothing else)."""
    return bool(query) and SAFE_QUERY.fullmatch(query) is not None


def wsgi(pages: WebPort) -> Callable[[dict[str, Any], Callable[..., Any]], Any]:
    return create_app(pages).wsgi_app
