#!/usr/bin/env node
// adapter.js with back-off added around Amazon's SMAPI SDK: what a skill using the SDK
// must add for its client to pass certification.
//
// usage: node adapter-wrapped.js skill-credentials   ({"skillId": "..."} on stdin)
//
// Around each SDK call (which also fetches the LWA token):
//   - a 429, 500 or 503 (SMAPI's or LWA's) or a failed connection is retried with
//     full-jitter exponential back-off, sleep = U(0, min(CAP, BASE * 2^(n-1))), with the
//     answer's Retry-After (delay-seconds or HTTP-date) as a floor, at most MAX_ATTEMPTS
//     attempts;
//   - the access token given (HARNESS_VENDOR_ACCESS_TOKEN) is used as it is, so a
//     client with a valid token does not call LWA; after a 401 the SDK client is
//     rebuilt once with the refresh token (a new LWA token) and the call retried
//     once; a second 401 is final;
//   - 400, 403, 404 and 409 are not retried.
'use strict';
const { newClient, newClientWithToken, describe, run } = require('./adapter.js');

const BASE = 0.5; // seconds
const CAP = 20; // seconds
const MAX_ATTEMPTS = 5;
const RETRYABLE = new Set([429, 500, 503]);

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

// retryAfter reads Retry-After from the SDK's [{key, value}] headers.
function retryAfter(headers) {
  const h = (headers || []).find((x) => String(x.key).toLowerCase() === 'retry-after');
  const v = h && String(h.value).trim();
  if (!v) return 0;
  if (/^\d+$/.test(v)) return Number(v);
  const when = Date.parse(v);
  return Number.isNaN(when) ? 0 : Math.max(0, (when - Date.now()) / 1000);
}

async function withBackoff(env, skillId) {
  // Use the access token given; without one, the SDK fetches one with the refresh
  // token on its first call and keeps it across the retries.
  let client = env.HARNESS_VENDOR_ACCESS_TOKEN ? newClientWithToken(env) : newClient(env);
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.getSkillCredentialsV1(skillId);
    } catch (err) {
      const status = err && err.statusCode;
      if (status === 401 && !refreshed && env.HARNESS_VENDOR_REFRESH_TOKEN) {
        refreshed = true;
        client = newClient(env); // the SDK cannot drop a rejected token: a new client fetches a new one
        attempt = 0; // the call after a refresh starts a new chain
        process.stderr.write('401: retrying once with a new token\n');
        continue;
      }
      // No status: the connection failed (reset, refused) or the answer was not JSON.
      const retryable = status ? RETRYABLE.has(status) : true;
      if (!retryable || attempt >= MAX_ATTEMPTS) throw err;
      const wait = Math.max(Math.random() * Math.min(CAP, BASE * 2 ** (attempt - 1)), retryAfter(err.headers));
      process.stderr.write(`attempt ${attempt}: ${describe(err)}; retry in ${wait.toFixed(3)}s\n`);
      await sleep(wait);
    }
  }
}

run(withBackoff).then((code) => { process.exitCode = code; });
