#!/usr/bin/env node
// A certification adapter for `harness certify`, in Node.js 20+ with the built-in fetch only.
//
// usage: node adapter.mjs OPERATION   (create-network | get-networks | skill-credentials)
//
// Reads one JSON object on stdin, performs the operation against Credential Locker or
// SMAPI, writes one JSON object on stdout and exits 0; exits 1 when the operation failed
// (an error answer, or it gave up after its retries), 2 on bad input. The interface is
// ../shared/client-adapter.md of the harness; the client behaviour is what a skill's
// client should do:
//   - 429, 500, 503 and a reset connection are retried with full-jitter exponential
//     back-off, sleep = U(0, min(CAP, BASE * 2^(n-1))), at most MAX_ATTEMPTS attempts;
//   - Retry-After (delay-seconds or an HTTP-date) is a floor on the wait;
//   - 400, 403, 404, 409 are never retried;
//   - the access token given is used as is; after a 401 a new one is fetched once with
//     the refresh token (grant_type=refresh_token) and the call is retried once;
//   - get-networks follows nextToken until the last page.

const BASE = 0.5; // seconds: first back-off ceiling
const CAP = 20; // seconds: largest back-off ceiling
const MAX_ATTEMPTS = 5; // attempts per request, the first included
const TIMEOUT_MS = 30000; // per attempt
const RETRYABLE = new Set([429, 500, 503]);
const MAX_PAGES = 10000;

class Failed extends Error {}

const log = (msg) => process.stderr.write(msg + '\n');
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const env = (k, d = '') => process.env[k] || d;

// Seconds the server asked us to wait (delay-seconds or HTTP-date), or 0.
function retryAfter(headers) {
  const v = headers?.get('retry-after')?.trim();
  if (!v) return 0;
  if (/^\d+$/.test(v)) return Number(v);
  const when = Date.parse(v);
  return Number.isNaN(when) ? 0 : Math.max(0, (when - Date.now()) / 1000);
}

// One logical request with retries. Returns {status, headers, text}.
async function send(method, url, body, headers) {
  const path = new URL(url).pathname;
  for (let attempt = 1; ; attempt++) {
    let res;
    let err;
    try {
      const r = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      res = { status: r.status, headers: r.headers, text: await r.text() };
    } catch (e) {
      err = e; // reset connection, refused, timeout
    }
    if (!err && !RETRYABLE.has(res.status)) return res;
    const what = err ? `no answer (${err.cause?.code || err.name})` : String(res.status);
    if (attempt >= MAX_ATTEMPTS) {
      log(`attempt ${attempt} ${method} ${path}: ${what}; giving up`);
      if (err) throw new Failed(`no answer after ${attempt} attempts`);
      return res;
    }
    const wait = Math.max(Math.random() * Math.min(CAP, BASE * 2 ** (attempt - 1)), retryAfter(res?.headers));
    log(`attempt ${attempt} ${method} ${path}: ${what}; retry in ${wait.toFixed(3)}s`);
    await sleep(wait);
  }
}

// The tokens of one identity (customer or vendor).
class Identity {
  constructor(access, refresh) {
    Object.assign(this, { access, refresh, refreshed: false });
  }

  async token() {
    if (!this.access) await this.fetch();
    return this.access;
  }

  async fetch() {
    if (!this.refresh) throw new Failed('no access token and no refresh token configured');
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: this.refresh,
      client_id: env('HARNESS_LWA_CLIENT_ID'),
      client_secret: env('HARNESS_LWA_CLIENT_SECRET'),
    });
    const url = env('HARNESS_LWA_URL', 'https://api.amazon.com') + '/auth/o2/token';
    const res = await send('POST', url, form.toString(), { 'Content-Type': 'application/x-www-form-urlencoded' });
    if (res.status !== 200) {
      let code = '';
      try { code = JSON.parse(res.text).error || ''; } catch { /* not JSON */ }
      throw new Failed(`token request: ${res.status} ${code}`.trim());
    }
    this.access = JSON.parse(res.text).access_token;
  }

  // An authenticated call: one refresh and one retry after a 401.
  async call(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    for (;;) {
      headers.Authorization = 'Bearer ' + (await this.token());
      const res = await send(method, url, body, headers);
      if (res.status === 401 && !this.refreshed && this.refresh) {
        log('401: refreshing the access token once');
        this.refreshed = true;
        await this.fetch();
        continue;
      }
      if (res.status < 200 || res.status > 299) throw new Failed(`${method} ${new URL(url).pathname}: ${res.status}`);
      return res.text.trim() ? JSON.parse(res.text) : {};
    }
  }
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(op) {
  let req;
  try {
    req = JSON.parse(await readStdin());
    if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new Error('not an object');
  } catch (e) {
    log(`stdin: one JSON object expected: ${e.message}`);
    return 2;
  }
  const customer = new Identity(env('HARNESS_CUSTOMER_ACCESS_TOKEN'), env('HARNESS_CUSTOMER_REFRESH_TOKEN'));
  const vendor = new Identity(env('HARNESS_VENDOR_ACCESS_TOKEN'), env('HARNESS_VENDOR_REFRESH_TOKEN'));
  const locker = env('HARNESS_LOCKER_URL', 'https://credential-locker-service.amazon.com') + '/credentiallocker/v2/threadNetworks';
  const smapi = env('HARNESS_SMAPI_URL', 'https://api.amazonalexa.com');
  let out;
  try {
    if (op === 'create-network') {
      await customer.call('PUT', locker, JSON.stringify(req));
      out = {};
    } else if (op === 'get-networks') {
      const query = {};
      for (const k of ['extendedPanId', 'networkName', 'maxResults']) if (req[k] != null) query[k] = String(req[k]);
      const networks = [];
      const seen = new Set();
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES) throw new Failed(`more than ${MAX_PAGES} pages`);
        const p = await customer.call('GET', locker + '?' + new URLSearchParams(query));
        networks.push(...(p.threadNetworks || []));
        if (!p.nextToken) break;
        if (seen.has(p.nextToken)) throw new Failed('the service repeated a nextToken');
        seen.add(p.nextToken);
        query.nextToken = p.nextToken; // sent back unchanged
      }
      out = { threadNetworks: networks };
    } else if (op === 'skill-credentials') {
      out = await vendor.call('GET', `${smapi}/v1/skills/${encodeURIComponent(String(req.skillId ?? ''))}/credentials`);
    } else {
      log(`unknown operation ${JSON.stringify(op)}: use create-network, get-networks or skill-credentials`);
      return 2;
    }
  } catch (e) {
    if (!(e instanceof Failed)) throw e;
    log(`${op} failed: ${e.message}`);
    return 1;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

if (process.argv.length !== 3) {
  log('usage: node adapter.mjs create-network|get-networks|skill-credentials  (JSON on stdin)');
  process.exit(2);
}
main(process.argv[2]).then(
  (code) => { process.exitCode = code; },
  (e) => { log(`adapter error: ${e.message}`); process.exitCode = 1; },
);
