#!/usr/bin/env node
// A certification adapter over Amazon's SMAPI SDK for Node.js (npm ask-smapi-sdk), used
// as it is: getSkillCredentialsV1 with the SDK's refresh-token flow, nothing added.
//
// usage: node adapter.js skill-credentials   ({"skillId": "..."} on stdin)
//
// Only skill-credentials is implemented (certify with --operations skill-credentials).
// The SDK has no retry logic: a 429, 500 or 503 (from SMAPI or from LWA) or a reset
// connection ends the call, and a 401 is final (its token cache is not dropped). It
// cannot combine a stored access token with a refresh token either (an access token
// given through withAccessTokenConfig is used forever, never refreshed), so this
// adapter gives it the refresh token only, as a skill using the SDK would:
// HARNESS_VENDOR_ACCESS_TOKEN is not used and every process asks LWA for a token.
// adapter-wrapped.js is the same call with back-off added around it.
'use strict';
const Alexa = require('ask-smapi-sdk');

// newClient builds an SDK client; it fetches an LWA token on its first call
// and keeps it in memory until it expires.
function newClient(env) {
  return new Alexa.CustomSmapiClientBuilder()
    .withApiEndpoint(env.HARNESS_SMAPI_URL || 'https://api.amazonalexa.com')
    .withAuthEndpoint(env.HARNESS_LWA_URL || 'https://api.amazon.com')
    .withRefreshTokenConfig({
      clientId: env.HARNESS_LWA_CLIENT_ID,
      clientSecret: env.HARNESS_LWA_CLIENT_SECRET,
      refreshToken: env.HARNESS_VENDOR_REFRESH_TOKEN,
    })
    .client();
}

// newClientWithToken builds an SDK client that uses the access token given
// (HARNESS_VENDOR_ACCESS_TOKEN) as it is; the SDK never refreshes it, so a
// caller that gets a 401 must build a newClient (refresh token) itself, as
// adapter-wrapped.js does.
function newClientWithToken(env) {
  return new Alexa.CustomSmapiClientBuilder()
    .withApiEndpoint(env.HARNESS_SMAPI_URL || 'https://api.amazonalexa.com')
    .withAuthEndpoint(env.HARNESS_LWA_URL || 'https://api.amazon.com')
    .withAccessTokenConfig({
      clientId: env.HARNESS_LWA_CLIENT_ID,
      clientSecret: env.HARNESS_LWA_CLIENT_SECRET,
      accessToken: env.HARNESS_VENDOR_ACCESS_TOKEN,
    })
    .client();
}

// callOnce makes one getSkillCredentialsV1 call through a new SDK client.
async function callOnce(env, skillId) {
  return newClient(env).getSkillCredentialsV1(skillId);
}

// describe names an SDK error without its body (which may hold secrets).
function describe(err) {
  if (err && err.statusCode) return `${err.name}: ${err.statusCode} ${err.message}`;
  return `${(err && err.name) || 'Error'}: ${(err && err.code) || (err && err.message) || err}`;
}

async function readRequest(op) {
  if (op !== 'skill-credentials') {
    throw Object.assign(new Error(`operation ${JSON.stringify(op)} is not implemented by this adapter: certify it with --operations skill-credentials`), { usage: true });
  }
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  let req;
  try {
    req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw Object.assign(new Error(`stdin: one JSON object expected: ${e.message}`), { usage: true });
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    throw Object.assign(new Error('stdin: one JSON object expected'), { usage: true });
  }
  return req;
}

// run reads the request, calls call(env, skillId), prints the answer and
// returns the exit status.
async function run(call) {
  let req;
  try {
    req = await readRequest(process.argv[2]);
  } catch (e) {
    process.stderr.write(e.message + '\n');
    return 2;
  }
  try {
    const body = await call(process.env, String(req.skillId ?? ''));
    process.stdout.write(JSON.stringify(body) + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`skill-credentials failed: ${describe(err)}\n`);
    return 1;
  }
}

module.exports = { newClient, newClientWithToken, callOnce, describe, run };

if (require.main === module) {
  run(callOnce).then((code) => { process.exitCode = code; });
}
