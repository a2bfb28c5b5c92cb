"""Drives stripe-python (Debian's python3-stripe 5.0.0) for the multi-SDK scenario suite.

One long-lived process per client: JSON lines in on stdin, JSON lines out on stdout, each tagged
with the request's `id`. Requests run on threads (stripe-python's HTTP client keeps one session
per thread), so scenarios of one client proceed concurrently like the node clients' do.

    python3 python-driver.py http://127.0.0.1:PORT 2022-11-15

Requests:
    {"id": 1, "op": "call", "key": "sk_test_…", "cls": "Customer", "method": "create",
     "ids": [], "params": {…}, "options": {"idempotency_key": …, "stripe_version": …}}
    {"id": 2, "op": "list_all", "key": …, "cls": "Customer", "method": "list", "params": {…}}
    {"id": 3, "op": "construct_event", "payload": "…", "header": "t=…,v1=…", "secret": "whsec_…"}
    {"id": 4, "op": "upload", "key": …, "params": {"purpose": …}, "file": {"name": …, "base64": …}}
Responses:
    {"id": 1, "ok": true, "object": {…}, "headers": {…}}
    {"id": 1, "ok": false, "error": {"sdk_class": "CardError", "http_status": 402, "json": {…}}}
"""

import base64
import io
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import stripe

stripe.api_base = sys.argv[1]
stripe.upload_api_base = sys.argv[1]
stripe.api_version = sys.argv[2]
stripe.max_network_retries = 0
stripe.enable_telemetry = False

write_lock = threading.Lock()


def plain(obj):
    """A StripeObject (or a list of them) as plain JSON data."""
    if isinstance(obj, stripe.stripe_object.StripeObject):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj


def headers_of(obj):
    response = getattr(obj, "last_response", None)
    if response is None:
        return {}
    return {k.lower(): v for k, v in dict(response.headers).items()}


def special(options):
    """Request options as stripe-python's special keyword arguments."""
    kwargs = {}
    for name in ("idempotency_key", "stripe_version"):
        if options.get(name) is not None:
            kwargs[name] = options[name]
    return kwargs


def run(request):
    op = request["op"]
    if op == "construct_event":
        event = stripe.Webhook.construct_event(
            request["payload"], request["header"], request["secret"]
        )
        return {"object": plain(event), "headers": {}}
    key = request["key"]
    params = dict(request.get("params") or {})
    if op == "upload":
        data = base64.b64decode(request["file"]["base64"])
        handle = io.BytesIO(data)
        handle.name = request["file"]["name"]
        result = stripe.File.create(api_key=key, file=handle, **params)
        return {"object": plain(result), "headers": headers_of(result)}
    cls = getattr(stripe, request["cls"])
    method = getattr(cls, request["method"])
    kwargs = dict(params, api_key=key, **special(request.get("options") or {}))
    if op == "list_all":
        page = method(*request.get("ids", []), **kwargs)
        items = [plain(item) for item in page.auto_paging_iter()]
        return {"object": {"object": "list", "data": items}, "headers": headers_of(page)}
    result = method(*request.get("ids", []), **kwargs)
    return {"object": plain(result), "headers": headers_of(result)}


def error_of(e):
    if isinstance(e, stripe.error.SignatureVerificationError):
        return {"sdk_class": "SignatureVerificationError", "message": str(e)}
    if isinstance(e, stripe.error.StripeError):
        return {
            "sdk_class": type(e).__name__,
            "http_status": e.http_status,
            "json": e.json_body,
            "headers": {k.lower(): v for k, v in dict(e.headers or {}).items()},
            "message": e.user_message,
        }
    return {"sdk_class": type(e).__name__, "message": repr(e)}


def handle(request):
    try:
        reply = dict(run(request), id=request["id"], ok=True)
    except Exception as e:  # every failure goes back to the scenario, which decides
        reply = {"id": request["id"], "ok": False, "error": error_of(e)}
    line = json.dumps(reply)
    with write_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main():
    with ThreadPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin:
            if line.strip():
                pool.submit(handle, json.loads(line))


if __name__ == "__main__":
    main()
