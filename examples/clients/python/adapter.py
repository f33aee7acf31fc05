#!/usr/bin/env python3
"""A certification adapter for `harness certify`, in Python with the standard library only.

usage: adapter.py OPERATION   (create-network | get-networks | skill-credentials)

Reads one JSON object on stdin, performs the operation against Credential Locker or
SMAPI, writes one JSON object on stdout and exits 0; exits 1 when the operation failed
(an error answer, or it gave up after its retries), 2 on bad input. The interface is
../shared/client-adapter.md of the harness; the client behaviour is what a skill's
client should do:

  * 429, 500, 503 and a reset connection are retried with full-jitter exponential
    back-off, sleep = U(0, min(CAP, BASE * 2**(n-1))), at most MAX_ATTEMPTS attempts;
  * Retry-After (delay-seconds or an HTTP-date) is a floor on the wait;
  * 400, 403, 404, 409 are never retried;
  * the access token given is used as is; after a 401 a new one is fetched once with
    the refresh token (grant_type=refresh_token) and the call is retried once;
  * get-networks follows nextToken until the last page.
"""
import email.utils
import http.client
import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = 0.5          # seconds: first back-off ceiling
CAP = 20.0          # seconds: largest back-off ceiling
MAX_ATTEMPTS = 5    # attempts per request, the first included
TIMEOUT = 30.0      # seconds per attempt
RETRYABLE = {429, 500, 503}
MAX_PAGES = 10000


class Failed(Exception):
    """The operation failed: an error answer, or the client gave up."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def retry_after(headers):
    """Seconds the server asked us to wait (delay-seconds or HTTP-date), or 0."""
    v = headers.get("Retry-After") if headers else None
    if not v:
        return 0.0
    v = v.strip()
    if v.isdigit():
        return float(v)
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return 0.0
    if when is None:
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def send(method, url, body=None, headers=None):
    """One logical request with retries. Returns (status, headers, body bytes)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        status, hdrs, data, err = 0, None, b"", None
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                status, hdrs, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, data = e.code, e.headers, e.read()
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, OSError) as e:
            err = e
        if err is None and status not in RETRYABLE:
            return status, hdrs, data
        what = f"no answer ({type(err).__name__})" if err is not None else str(status)
        if attempt == MAX_ATTEMPTS:
            log(f"attempt {attempt} {method} {urllib.parse.urlsplit(url).path}: {what}; giving up")
            if err is not None:
                raise Failed(f"no answer after {attempt} attempts")
            return status, hdrs, data
        wait = max(random.uniform(0, min(CAP, BASE * 2 ** (attempt - 1))), retry_after(hdrs))
        log(f"attempt {attempt} {method} {urllib.parse.urlsplit(url).path}: {what}; retry in {wait:.3f}s")
        time.sleep(wait)
    raise AssertionError("unreachable")


class Identity:
    """The tokens of one identity (customer or vendor)."""

    def __init__(self, access, refresh):
        self.access, self.refresh, self.refreshed = access, refresh, False

    def token(self):
        if not self.access:
            self.fetch()
        return self.access

    def fetch(self):
        if not self.refresh:
            raise Failed("no access token and no refresh token configured")
        form = urllib.parse.urlencode({
            "grant_type": "refresh_token",
            "refresh_token": self.refresh,
            "client_id": os.environ.get("HARNESS_LWA_CLIENT_ID", ""),
            "client_secret": os.environ.get("HARNESS_LWA_CLIENT_SECRET", ""),
        }).encode()
        url = os.environ.get("HARNESS_LWA_URL", "https://api.amazon.com") + "/auth/o2/token"
        status, _, data = send("POST", url, form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            code = ""
            try:
                code = json.loads(data).get("error", "")
            except (ValueError, AttributeError):
                pass
            raise Failed(f"token request: {status} {code}".strip())
        self.access = json.loads(data)["access_token"]

    def call(self, method, url, body=None):
        """An authenticated call: one refresh and one retry after a 401."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        while True:
            headers["Authorization"] = "Bearer " + self.token()
            status, _, data = send(method, url, body, headers)
            if status == 401 and not self.refreshed and self.refresh:
                log("401: refreshing the access token once")
                self.refreshed = True
                self.fetch()
                continue
            if not 200 <= status < 300:
                raise Failed(f"{method} {urllib.parse.urlsplit(url).path}: {status}")
            return json.loads(data) if data.strip() else {}


def main(argv):
    if len(argv) != 2:
        log("usage: adapter.py create-network|get-networks|skill-credentials  (JSON on stdin)")
        return 2
    op = argv[1]
    try:
        req = json.load(sys.stdin)
        if not isinstance(req, dict):
            raise ValueError("not an object")
    except ValueError as e:
        log(f"stdin: one JSON object expected: {e}")
        return 2
    env = os.environ.get
    customer = Identity(env("HARNESS_CUSTOMER_ACCESS_TOKEN", ""), env("HARNESS_CUSTOMER_REFRESH_TOKEN", ""))
    vendor = Identity(env("HARNESS_VENDOR_ACCESS_TOKEN", ""), env("HARNESS_VENDOR_REFRESH_TOKEN", ""))
    locker = env("HARNESS_LOCKER_URL", "https://credential-locker-service.amazon.com") + "/credentiallocker/v2/threadNetworks"
    smapi = env("HARNESS_SMAPI_URL", "https://api.amazonalexa.com")
    try:
        if op == "create-network":
            customer.call("PUT", locker, json.dumps(req).encode())
            out = {}
        elif op == "get-networks":
            query = {k: req[k] for k in ("extendedPanId", "networkName", "maxResults") if req.get(k) is not None}
            networks, seen = [], set()
            for _ in range(MAX_PAGES):
                page = customer.call("GET", locker + "?" + urllib.parse.urlencode(query))
                networks += page.get("threadNetworks", [])
                nxt = page.get("nextToken")
                if not nxt:
                    break
                if nxt in seen:
                    raise Failed("the service repeated a nextToken")
                seen.add(nxt)
                query["nextToken"] = nxt  # sent back unchanged
            else:
                raise Failed(f"more than {MAX_PAGES} pages")
            out = {"threadNetworks": networks}
        elif op == "skill-credentials":
            skill = urllib.parse.quote(str(req.get("skillId", "")), safe="")
            out = vendor.call("GET", f"{smapi}/v1/skills/{skill}/credentials")
        else:
            log(f"unknown operation {op!r}: use create-network, get-networks or skill-credentials")
            return 2
    except Failed as e:
        log(f"{op} failed: {e}")
        return 1
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
