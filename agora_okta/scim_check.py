"""Probe Agora's SCIM endpoint as Okta's "Test connector configuration" does.

Okta has no public API for that console step, so the tool sends the same
requests itself, before an admin types anything into the console:

    GET {base}/Users?startIndex=1&count=2          Okta's connector test
    GET {base}/Users?filter=userName eq "..."      Okta's lookup before a create
    GET {base}/Groups?filter=displayName eq "..."  Okta's lookup before a push
    GET {base}/ServiceProviderConfig               what the server says it can do

Every request is a GET: the check never creates, changes or deletes anything.
The token goes only into the ``Authorization`` header, only over https (or
plain http to a loopback address), and never to an address the server
redirects to. No result, log line or exception holds it: server text that
echoes it is scrubbed before it reaches a result.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from agora_okta import __version__, redact
from agora_okta.errors import SecretError

if TYPE_CHECKING:
    from agora_okta.config import Config

log = logging.getLogger(__name__)

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

_ACCEPT = "application/scim+json, application/json"
_MAX_BODY = 1_000_000
_MAX_QUOTE = 160
_MIN_SCRUB = 8
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USUAL_PATH = "/scim/v2"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class CheckResult:
    """One check: what was checked, whether it passed, and for a failure the fix."""

    name: str
    title: str
    ok: bool
    warning: bool = False
    detail: str = ""
    fix: str = ""


@dataclass
class ScimReport:
    """The results of every check run against one SCIM base URL, in order."""

    base_url: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def warnings(self) -> int:
        return sum(1 for result in self.results if result.ok and result.warning)


class _Failure(Exception):
    """A check failed; carries the cause and the fix, both free of the token."""

    def __init__(self, detail: str, fix: str = "", *, stop: bool = True) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix
        # stop: the other checks would only meet the same failure again.
        self.stop = stop

    def result(self, name: str, title: str) -> CheckResult:
        return CheckResult(name, title, ok=False, detail=self.detail, fix=self.fix)


class _NoAnswer(_Failure):
    """No HTTP answer at all: name, connection, TLS or timeout."""


@dataclass(frozen=True)
class _Target:
    """The parts of the base URL that the checks and their messages need."""

    scheme: str
    host: str
    port: int
    path: str
    loopback: bool

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{host}{port}"

    @property
    def url(self) -> str:
        return self.origin + self.path

    def url_for(self, resource: str, query: dict[str, str] | None = None) -> str:
        text = urllib.parse.urlencode(query or {}, quote_via=urllib.parse.quote)
        return f"{self.url}/{resource}" + (f"?{text}" if text else "")


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    content_type: str
    location: str
    body: bytes


def check_scim(
    base_url: str,
    token: str,
    *,
    check_groups: bool,
    timeout: float = 10.0,
    probe_user: str = "agora-okta-check@example.invalid",
    probe_group: str = "agora-okta-check",
    token_ref: str | None = None,
) -> ScimReport:
    """Run the checks Okta's provisioning relies on; never raises for a failure.

    ``token_ref`` is the file's reference to the token (``env:NAME``,
    ``keyring:NAME``); it is named in the fix when the token is refused.
    """
    target, results = _preflight(base_url, token)
    report = ScimReport(_display_url(base_url), results)
    if target is None or not report.ok:
        return _scrubbed(report, token)

    client = _ScimClient(target, token, timeout)
    try:
        listed, go_on = _check_list_users(client, token_ref)
    except _NoAnswer as failure:
        results.append(failure.result("transport", f"Connect to {target.origin}"))
        return _scrubbed(report, token)

    if target.scheme == "https":
        title = f"https to {target.host}"
        results.append(
            CheckResult("transport", title, True, detail="certificate valid")
        )
    results.append(listed)
    if go_on:
        results.append(_check_filter(client, "Users", "userName", probe_user))
        if check_groups:
            results.append(_check_filter(client, "Groups", "displayName", probe_group))
        results.append(_check_service_provider_config(client))
    return _scrubbed(report, token)


def _preflight(base_url: str, token: str) -> tuple[_Target | None, list[CheckResult]]:
    """Check what can be checked without sending anything: URL, scheme, token."""
    try:
        target = _parse_base_url(base_url)
    except _Failure as failure:
        return None, [failure.result("base-url", "Base URL")]

    problem = _token_problem(token)
    if problem:
        fix = (
            "store the token again without it (a copied token often ends in a newline)"
        )
        return target, [CheckResult("token", "Token", False, detail=problem, fix=fix)]

    if target.scheme == "https":
        return target, []
    if target.loopback:
        title = "Plain http to a loopback address"
        detail = "accepted for a local SCIM server; Okta itself requires https"
        return target, [CheckResult("transport", title, True, True, detail)]

    # Refused before any connection: over plain http the token would cross the
    # network readable by anyone on the way.
    title = f"Plain http to {target.host}"
    detail = "Okta requires https, and plain http would expose the token on the way"
    fix = f"use the https address of Agora's SCIM endpoint, e.g. https://{target.host}"
    fix += f"{target.path or _USUAL_PATH}"
    return target, [CheckResult("transport", title, False, detail=detail, fix=fix)]


def _parse_base_url(base_url: str) -> _Target:
    parts = urllib.parse.urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Failure(
            f"{_quote(_display_url(base_url))} is not an https URL",
            f"write the full address, e.g. https://agora.example.com{_USUAL_PATH}",
        )
    if parts.username is not None or parts.password is not None:
        raise _Failure(
            "the base URL holds a user name or password",
            "remove it: Okta sends the token in the Authorization header",
        )
    if parts.query or parts.fragment:
        raise _Failure(
            "the base URL has a query string or fragment",
            "remove everything from '?' or '#' on: Okta appends /Users and its query",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise _Failure(
            "the port in the base URL is not a number from 1 to 65535"
        ) from None

    host = parts.hostname
    return _Target(parts.scheme, host, port, parts.path.rstrip("/"), _is_loopback(host))


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token_problem(token: str) -> str:
    """Say why the token cannot go into an HTTP header, without showing it."""
    if not token:
        return "the token is empty"
    for index, char in enumerate(token):
        if "\x21" <= char <= "\x7e":
            continue
        where = "at the start" if index == 0 else "inside"
        if index == len(token) - 1:
            where = "at the end"
        return (
            f"the token holds {_char_kind(char)} {where}, which a header cannot carry"
        )
    return ""


def _char_kind(char: str) -> str:
    if char in "\r\n":
        return "a line break"
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    return "a control character" if char.isascii() else "a non-ASCII character"


class _KeepEveryAnswer(urllib.request.HTTPErrorProcessor):
    """Hand back every status as is: redirects are reported, never followed."""

    def http_response(
        self, request: urllib.request.Request, response: http.client.HTTPResponse
    ) -> http.client.HTTPResponse:
        return response

    https_response = http_response


class _ScimClient:
    """GET requests to one SCIM endpoint, with the token and nothing else."""

    def __init__(self, target: _Target, token: str, timeout: float) -> None:
        self.target = target
        self._token = token
        self._timeout = timeout

        # Known gap: a certificate close to its end date passes without a warning;
        # urllib does not hand back the peer certificate to read it from.
        # A loopback address must never go through a proxy from the environment.
        proxies = urllib.request.ProxyHandler({} if target.loopback else None)
        tls = urllib.request.HTTPSHandler(context=ssl.create_default_context())
        self._opener = urllib.request.build_opener(proxies, tls, _KeepEveryAnswer())

    def get(self, resource: str, query: dict[str, str] | None = None) -> _Answer:
        url = self.target.url_for(resource, query)
        headers = {
            "Accept": _ACCEPT,
            "Authorization": f"Bearer {self._token}",
            "User-Agent": f"agora-okta/{__version__} check-scim",
        }
        started = time.monotonic()
        try:
            answer = self._open(urllib.request.Request(url, headers=headers))
        except (OSError, http.client.HTTPException) as err:
            log.debug("get url=%s error=%s", url, type(err).__name__)
            raise _unreachable(err, self.target, self._timeout) from None

        elapsed = int((time.monotonic() - started) * 1000)
        log.debug("get url=%s status=%d ms=%d", url, answer.status, elapsed)
        return answer

    def _open(self, request: urllib.request.Request) -> _Answer:
        # urllib wraps connection errors in URLError; unwrap to the cause.
        try:
            response = self._opener.open(request, timeout=self._timeout)
        except urllib.error.URLError as err:
            raise err.reason if isinstance(err.reason, OSError) else err from None

        # Known gap: the timeout bounds each connect and each read, not the whole
        # request, so a server that trickles bytes can take longer than it.
        with response:
            body = response.read(_MAX_BODY)
            return _Answer(
                status=response.status,
                reason=response.reason,
                content_type=response.headers.get("Content-Type", ""),
                location=response.headers.get("Location", ""),
                body=body,
            )


def _unreachable(err: BaseException, target: _Target, timeout: float) -> _NoAnswer:
    """Word a failure to get any answer: its cause, and what to do about it."""
    where = f"{target.host}:{target.port}"
    if isinstance(err, socket.gaierror):
        return _NoAnswer(
            f"cannot resolve the host name {target.host} ({err.strerror})",
            "check the host name in the base URL; if it is right, check this "
            "machine's DNS and network",
        )
    if isinstance(err, ConnectionRefusedError):
        return _NoAnswer(
            f"connection refused by {where}: nothing listens there",
            "check the host and port in the base URL, and that the SCIM server runs",
        )
    if isinstance(err, TimeoutError):
        return _NoAnswer(
            f"no answer from {where} within {timeout:g} s",
            "check that the server is up and reachable from here (firewall, VPN, "
            "proxy); Okta's requests to a server this slow may time out too",
        )
    if isinstance(err, ssl.SSLError):
        return _tls_failure(err, target)
    if isinstance(err, (ConnectionError, http.client.HTTPException)):
        return _NoAnswer(
            f"{where} closed the connection without an HTTP answer",
            "check the port and the scheme (https or http) in the base URL",
        )
    reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return _NoAnswer(
        f"cannot connect to {where}: {_quote(reason)}",
        "check the base URL and this machine's network",
    )


def _tls_failure(err: ssl.SSLError, target: _Target) -> _NoAnswer:
    """Name the certificate problem; Okta refuses the same certificates."""
    if not isinstance(err, ssl.SSLCertVerificationError):
        return _NoAnswer(
            f"TLS handshake with {target.host}:{target.port} failed ({err.reason})",
            "check the port: it may serve plain http, or not TLS at all",
        )

    message = (err.verify_message or str(err)).rstrip(".")
    lowered = message.lower().replace("-", " ")
    if "expired" in lowered:
        fix = "the certificate must be renewed on the server"
    elif "mismatch" in lowered:
        fix = "use the host name the certificate is issued for, or fix the certificate"
    elif "self signed" in lowered or "issuer" in lowered:
        fix = (
            "use a certificate from a public certificate authority, as Okta "
            "requires; if this machine inspects TLS through a proxy, set "
            "SSL_CERT_FILE to the proxy's CA bundle"
        )
    else:
        fix = "fix the server's certificate; Okta accepts only a valid public one"
    return _NoAnswer(f"the TLS certificate of {target.host} is refused: {message}", fix)


def _check_list_users(
    client: _ScimClient, token_ref: str | None
) -> tuple[CheckResult, bool]:
    """Okta's own connector test. Returns the result and whether to go on."""
    query = {"startIndex": "1", "count": "2"}
    title = "Okta's connector test — GET /Users?startIndex=1&count=2"
    try:
        data = _get_json(client, "Users", query, token_ref)
        total = _list_response(data)
    except _NoAnswer:
        raise
    except _Failure as failure:
        return failure.result("list-users", title), not failure.stop

    noun = "user" if total == 1 else "users"
    return CheckResult(
        "list-users", title, True, detail=f"a SCIM ListResponse, {total} {noun}"
    ), True


def _check_filter(
    client: _ScimClient, resource: str, attribute: str, value: str
) -> CheckResult:
    """Okta looks a user or group up by this filter before it creates one."""
    name = "filter-users" if resource == "Users" else "filter-groups"
    what = "User lookup" if resource == "Users" else "Push group lookup"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    expression = f'{attribute} eq "{escaped}"'
    title = f"{what} — GET /{resource}?filter={expression}"
    try:
        total = _list_response(
            _get_json(client, resource, {"filter": expression}, None)
        )
    except _Failure as failure:
        return failure.result(name, title)

    found = "nothing matches" if total == 0 else f"{total} match"
    return CheckResult(name, title, True, detail=f"answered, {found}")


def _check_service_provider_config(client: _ScimClient) -> CheckResult:
    """Report the features Okta cares about; Okta does not request this itself."""
    name = "service-provider-config"
    title = "Server features — GET /ServiceProviderConfig"
    unused = "; Okta does not request it, so provisioning is not affected"
    try:
        answer = client.get("ServiceProviderConfig")
        if answer.status == 404:
            return CheckResult(name, title, True, True, "not offered (404)" + unused)
        data = _json_of(answer, client.target, None)
    except _Failure as failure:
        return CheckResult(name, title, True, True, failure.detail + unused)

    if not isinstance(data, dict):
        return CheckResult(name, title, True, True, "the answer is not a JSON object")
    features = [_feature(data, key) for key in ("filter", "patch", "bulk")]
    detail = ", ".join(features)
    if not _supported(data, "filter"):
        detail += "; Okta looks users and groups up with a filter"
        return CheckResult(name, title, True, True, detail)
    return CheckResult(name, title, True, detail=detail)


def _supported(data: dict[str, Any], key: str) -> bool:
    section = data.get(key)
    return isinstance(section, dict) and section.get("supported") is True


def _feature(data: dict[str, Any], key: str) -> str:
    section = data.get(key)
    if not isinstance(section, dict) or not isinstance(section.get("supported"), bool):
        return f"{key} not stated"
    if not section["supported"]:
        return f"{key} not supported"
    limit = section.get("maxResults") or section.get("maxOperations")
    return f"{key} supported" + (f" (max {limit})" if isinstance(limit, int) else "")


def _get_json(
    client: _ScimClient,
    resource: str,
    query: dict[str, str] | None,
    token_ref: str | None,
) -> Any:
    """GET and parse; raise a _Failure with cause and fix for anything but JSON 200."""
    return _json_of(client.get(resource, query), client.target, token_ref)


def _json_of(answer: _Answer, target: _Target, token_ref: str | None) -> Any:
    if answer.status != 200:
        raise _status_failure(answer, target, token_ref)
    return _parse_json(answer)


def _status_failure(
    answer: _Answer, target: _Target, token_ref: str | None
) -> _Failure:
    status = f"{answer.status} {answer.reason}".strip()
    said = _server_detail(answer)
    if answer.status in _REDIRECTS:
        return _redirect_failure(answer, target)
    if answer.status in (401, 403):
        ref = f"the token reference {token_ref}" if token_ref else "the token reference"
        cause = (
            "refused the token"
            if answer.status == 401
            else "accepted the token but denies access"
        )
        return _Failure(
            f"{status}: the SCIM server {cause}{said}",
            f"check that {ref} holds Agora's current SCIM token, with SCIM access",
        )
    if answer.status == 404:
        return _Failure(
            f"{status}: no SCIM endpoint at this base URL{said}", _base_url_fix(target)
        )
    if answer.status >= 500:
        return _Failure(
            f"{status}: the SCIM server, or a proxy in front of it, failed{said}",
            "try again later; if it persists, ask Agora's support",
        )
    return _Failure(
        f"{status}{said}", "check the base URL and what the server says", stop=False
    )


def _redirect_failure(answer: _Answer, target: _Target) -> _Failure:
    fix = "if that address is Agora's SCIM endpoint, make it the base URL (less /Users)"
    if not answer.location:
        return _Failure(f"{answer.status}: the server redirects, to no address", fix)

    location = _display_url(urllib.parse.urljoin(target.url, answer.location))
    moved = urllib.parse.urlsplit(location)
    try:
        port = moved.port or (443 if moved.scheme == "https" else 80)
    except ValueError:
        port = -1
    same = (moved.scheme, moved.hostname, port) == (
        target.scheme,
        target.host,
        target.port,
    )
    where = "another path" if same else "another address"
    detail = (
        f"{answer.status}: the server redirects to {where}, {_quote(location)}; "
        "redirects are not followed, so that the token goes nowhere else"
    )
    return _Failure(detail, fix)


def _base_url_fix(target: _Target) -> str:
    """Suggest the base URL the server most likely expects."""
    head, _, last = target.path.rpartition("/")
    if last.lower() in ("users", "groups"):
        return (
            f"remove /{last} from the end, Okta appends it: try {target.origin}{head}"
        )
    if re.fullmatch(r"v\d+", last) and last != "v2":
        better = f"{target.origin}{head}/v2"
        return f"SCIM 2.0 base URLs end in /v2, usually {_USUAL_PATH}: try {better}"
    if last != "v2":
        better = f"{target.url}{_USUAL_PATH}"
        return f"SCIM base URLs usually end in {_USUAL_PATH}: try {better}"
    return (
        f"copy the base URL from Agora's SCIM settings; it usually looks like "
        f"https://HOST{_USUAL_PATH}"
    )


def _parse_json(answer: _Answer) -> Any:
    """Parse a 200 answer; say what it is instead when it is not JSON."""
    body = answer.body.strip()
    # A body that starts like JSON is read as JSON whatever its Content-Type says.
    html_type = "html" in answer.content_type.lower() and body[:1] not in (b"{", b"[")
    if html_type or body[:1] == b"<":
        title = re.search(rb"<title[^>]*>([^<]{1,80})", body, re.IGNORECASE)
        named = (
            f" titled {_quote(title.group(1).decode('utf-8', 'replace'))}"
            if title
            else ""
        )
        raise _Failure(
            f"the answer is an HTML page{named}, not SCIM JSON",
            "perhaps a login page or a wrong URL: the base URL must point at the "
            "SCIM API, not at Agora's web pages",
        )
    if not body:
        raise _Failure("the answer is empty, not SCIM JSON", "check the base URL")
    try:
        # The body as sent, so that the position matches what the server answered.
        return json.loads(answer.body)
    except json.JSONDecodeError as err:
        raise _Failure(
            f"the answer is malformed JSON: {err.msg} at line {err.lineno} "
            f"column {err.colno} (character {err.pos})",
            "the SCIM server must answer valid JSON; report this to Agora's support",
        ) from None
    except UnicodeDecodeError:
        raise _Failure(
            "the answer is not UTF-8 text, so not SCIM JSON", "check the base URL"
        ) from None


def _list_response(data: Any) -> int:
    """Check the shape Okta expects of a list; return totalResults.

    Known gap: the listed resources themselves (id, userName) are not checked;
    Okta's connector test only needs the list to be well formed.
    """
    fix = "the SCIM server must answer a ListResponse (RFC 7644 section 3.4.2)"
    if not isinstance(data, dict):
        raise _Failure(
            "the answer is JSON but not an object, so not a SCIM ListResponse", fix
        )
    schemas = data.get("schemas")
    if not isinstance(schemas, list) or LIST_RESPONSE not in schemas:
        raise _Failure(
            f"not a SCIM ListResponse: schemas does not hold {LIST_RESPONSE}",
            fix,
            stop=False,
        )
    total = data.get("totalResults")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise _Failure(
            "not a SCIM ListResponse: totalResults is not a whole number",
            fix,
            stop=False,
        )
    resources = data.get("Resources")
    if resources is None and total == 0:
        return total
    if not isinstance(resources, list):
        raise _Failure(
            f"totalResults is {total} but Resources is not a list", fix, stop=False
        )
    return total


def _server_detail(answer: _Answer) -> str:
    """The server's own words from a SCIM error body, quoted, or nothing."""
    try:
        data = json.loads(answer.body)
    except (ValueError, UnicodeDecodeError):
        return ""
    said = data.get("detail") if isinstance(data, dict) else None
    return (
        f" (the server says {_quote(said)})" if isinstance(said, str) and said else ""
    )


def _quote(text: str) -> str:
    """Server text made safe to print: no control characters, bounded length."""
    clean = _CONTROL.sub(" ", text).strip()
    if len(clean) > _MAX_QUOTE:
        clean = clean[: _MAX_QUOTE - 1] + "…"
    return f'"{clean}"'


def _display_url(url: str) -> str:
    """The URL without any user name or password it may hold."""
    parts = urllib.parse.urlsplit(url.strip())
    if "@" not in parts.netloc:
        return url.strip()
    return urllib.parse.urlunsplit(
        parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    )


def _scrubbed(report: ScimReport, token: str) -> ScimReport:
    """Remove the token from every text, in case the server echoed it back."""
    # A token this short is no real secret, and scrubbing it would garble words.
    if len(token) < _MIN_SCRUB:
        return report

    def scrub(text: str) -> str:
        return text.replace(token, "[token]")

    report.base_url = scrub(report.base_url)
    report.results = [
        replace(r, title=scrub(r.title), detail=scrub(r.detail), fix=scrub(r.fix))
        for r in report.results
    ]
    return report


_MARKS = {"pass": ("✓", "32"), "warning": ("!", "33"), "fail": ("✗", "31")}


def render_report(report: ScimReport, *, color: bool) -> str:
    """One line per check, then the cause and fix of a failure, then a summary."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines = [f"SCIM endpoint {report.base_url}"]
    for result in report.results:
        kind = "fail" if not result.ok else "warning" if result.warning else "pass"
        mark, code = _MARKS[kind]
        if kind == "fail":
            lines.append(f"{paint(mark, code)} {result.title}")
            lines.append(f"    cause: {result.detail}")
        else:
            lines.append(f"{paint(mark, code)} {result.title}: {result.detail}")
        if result.fix:
            lines.append(f"    fix:   {result.fix}")

    lines.append(_summary(report))
    return "\n".join(lines)


def _summary(report: ScimReport) -> str:
    failed = sum(1 for r in report.results if not r.ok)
    if failed:
        return f"{failed} check failed." if failed == 1 else f"{failed} checks failed."
    passed = len(report.results) - report.warnings
    text = f"{passed} checks passed" if passed != 1 else "1 check passed"
    if report.warnings:
        text += (
            ", 1 warning" if report.warnings == 1 else f", {report.warnings} warnings"
        )
    return text + "."


def check_file_endpoint(
    config: Config, *, env: Mapping[str, str] | None = None, timeout: float = 10.0
) -> ScimReport:
    """The checks for the file's endpoint, with the token its reference names."""
    prov = config.provisioning
    try:
        token = redact.remember(prov.token.resolve(env))
    except SecretError as error:
        failure = CheckResult(
            "token",
            "Read the SCIM token",
            ok=False,
            detail=str(error),
            fix=f"provide {prov.token}, or pass --skip-scim-check",
        )
        return ScimReport(prov.scim_base_url, [failure])
    return check_scim(
        prov.scim_base_url,
        token,
        check_groups=bool(config.push_groups),
        timeout=timeout,
        token_ref=str(prov.token),
    )
