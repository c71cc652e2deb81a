"""Hostile inputs for `npm run test:api` (deploy/local/src/commands/api-test.ts loads this as SCHEMATHESIS_HOOKS).

Schemathesis generates requests from each service's OpenAPI document: values the schemas allow, and values they do
not. What it does not send is what broke the services from outside the schemas: a path segment that is not
percent-encoded UTF-8 (%FF), a NUL byte, a body that says it is gzip and is not (or is cut short), a body cut short,
a form without its closing boundary, an unknown Content-Encoding, and headers up to the server's limit.
One call in every MUTATE_EVERY is turned into one of those, in turn, among the kinds that fit the operation.

`hostile_input_answered` then holds each such answer to: never a 5xx, and a 4xx when the input cannot be valid.
Schemathesis's own conformance checks still judge every unmodified call; for a modified one only "no server error"
and this check count (the answer to `%FF` is the HTTP stack's 400, not an operation's documented response).
"""

import gzip
import itertools
import json

import schemathesis
from schemathesis.core.failures import ServerError

MUTATE_EVERY = 4
MARK = "hourglassmark"
_calls = itertools.count()
_kinds = itertools.count()
# Case id → (kind, whether the input must be refused with a 4xx).
_mutated: dict[str, tuple[str, bool]] = {}


def _json_body(case):
    media = (case.media_type or "").lower()
    if "json" not in media or case.body is None or not isinstance(case.body, (dict, list)):
        return None
    return json.dumps(case.body).encode()


def _declared(case):
    """The query parameters and top-level JSON body properties the operation's document declares."""
    raw = case.operation.definition.raw
    query = [p["name"] for p in raw.get("parameters", []) if isinstance(p, dict) and p.get("in") == "query"]
    schema = raw.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    properties = set(schema.get("properties", {}))
    for variant in schema.get("oneOf", []) + schema.get("anyOf", []):
        properties |= set(variant.get("properties", {}))
    return query, properties


def _with_nul(body, properties):
    """The body with a NUL byte inside the first declared string property (an undeclared one is dropped, not read)."""
    if not isinstance(body, dict):
        return None
    for key, value in body.items():
        if key in properties and isinstance(value, str):
            return {**body, key: value[:1] + "\x00" + value[1:]}
    return None


def _url_with_segment(case, segment):
    """The request URL with the first path parameter replaced by `segment` (already percent-encoded)."""
    name = next(iter(case.path_parameters))
    original = case.path_parameters[name]
    case.path_parameters[name] = MARK
    try:
        url = case.as_transport_kwargs()["url"]
    finally:
        case.path_parameters[name] = original
    return url.replace(MARK, segment, 1)


def _candidates(case):
    """(kind, must be refused, change) for each mutation that fits; a change returns (request kwargs, headers, query)."""
    out = []
    query_names, properties = _declared(case)
    if case.path_parameters and case.method.upper() != "OPTIONS":
        for segment in ("%FF", "%C0%AF", "%ED%A0%80", "%E0%A4"):
            out.append((f"path {segment}", True, lambda s=segment: ({"url": _url_with_segment(case, s)}, {}, None)))
        out.append(("path %00", True, lambda: ({"url": _url_with_segment(case, "a%00b")}, {}, None)))
    if query_names:
        out.append(("query NUL", True, lambda: ({}, {}, {**(case.query or {}), query_names[0]: "a\x00b"})))
    body = _json_body(case)
    if body is not None:
        json_type = {"Content-Type": "application/json"}
        nul = _with_nul(case.body, properties)
        if nul is not None:
            out.append(("body NUL", True, lambda: ({"data": json.dumps(nul).encode()}, json_type, None)))
        out.append(("body gzip", False, lambda: ({"data": gzip.compress(body)}, {**json_type, "Content-Encoding": "gzip"}, None)))
        out.append(("body claims gzip", True, lambda: ({"data": body}, {**json_type, "Content-Encoding": "gzip"}, None)))
        out.append(("body gzip cut short", True, lambda: ({"data": gzip.compress(body)[:12]}, {**json_type, "Content-Encoding": "gzip"}, None)))
        out.append(("body unknown encoding", True, lambda: ({"data": body}, {**json_type, "Content-Encoding": "x-hourglass"}, None)))
        cut = body[: max(1, len(body) // 2)]
        try:
            json.loads(cut)
            still_json = True
        except ValueError:
            still_json = False
        out.append(("body cut short", not still_json, lambda: ({"data": cut}, json_type, None)))
    if "multipart" in (case.media_type or "").lower():
        form = b'--HG\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc'
        out.append(("form without closing boundary", True, lambda: ({"data": form}, {"Content-Type": "multipart/form-data; boundary=HG"}, None)))
    # Long headers, under the server's 16 kB limit (past it, Node answers 431 and resets the connection while the
    # client is still sending: the jest suite checks that with a raw socket, tests/test/hostile-requests.test.ts).
    out.append(("header 12 kB", False, lambda: ({}, {"X-Hourglass-Padding": "p" * 12_000}, None)))
    out.append(("Idempotency-Key 4 kB", False, lambda: ({}, {"Idempotency-Key": "k" * 4_000}, None)))
    out.append(("Last-Event-ID 4 kB", False, lambda: ({}, {"Last-Event-ID": "9" * 4_000}, None)))
    return out


# Case id → what before_call changed on the case itself (headers, query), put back once the answer is in.
_restore: dict[str, tuple[object, object]] = {}


@schemathesis.hook
def before_call(context, case, kwargs):
    if next(_calls) % MUTATE_EVERY != MUTATE_EVERY - 1:
        return
    candidates = _candidates(case)
    kind, must_refuse, change = candidates[next(_kinds) % len(candidates)]
    # OPTIONS answers which methods a path takes; it reads neither query nor body (nor validates them).
    must_refuse = must_refuse and case.method.upper() != "OPTIONS"
    request, headers, query = change()
    kwargs.update(request)
    _restore[case.id] = (case.headers, case.query)
    if headers:
        case.headers = {**(case.headers or {}), **headers}
    if query is not None:
        case.query = query
    _mutated[case.id] = (kind, must_refuse)


def _put_back(case):
    saved = _restore.pop(case.id, None)
    if saved is not None:
        case.headers, case.query = saved


@schemathesis.hook
def after_call(context, case, response):
    _put_back(case)


@schemathesis.hook
def after_network_error(context, case, request):
    _put_back(case)


@schemathesis.check
def hostile_input_answered(ctx, response, case):
    """A hostile input is never a 5xx, and an input that cannot be valid is a 4xx."""
    if case.id not in _mutated:
        return None
    kind, must_refuse = _mutated[case.id]
    status = response.status_code
    if status >= 500:
        raise AssertionError(f"{kind}: answered {status}")
    if must_refuse and not 400 <= status < 500:
        raise AssertionError(f"{kind}: answered {status}, expected a 4xx refusal")
    return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if case.id not in _mutated:
        return True
    # For a modified call: a server error, or this module's own check (a custom failure); nothing about documentation.
    return isinstance(failure, ServerError) or type(failure).code.startswith("ST9")
