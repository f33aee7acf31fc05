// Calls getSkillCredentialsV1 with Amazon's own SMAPI SDK (ask-smapi-sdk),
// using its refresh-token flow against the harness mock, and prints one JSON
// line per call: {"ok": true, "body": ...} or {"ok": false, "statusCode": n, "body": ...}.
//
// usage: node getcreds.js BASE_URL CLIENT_ID CLIENT_SECRET REFRESH_TOKEN SKILL_ID [SKILL_ID...]
'use strict';
const Alexa = require('ask-smapi-sdk');

async function main() {
  const [base, clientId, clientSecret, refreshToken, ...skills] = process.argv.slice(2);
  const client = new Alexa.CustomSmapiClientBuilder()
    .withApiEndpoint(base)
    .withAuthEndpoint(base)
    .withRefreshTokenConfig({ clientId, clientSecret, refreshToken })
    .client();
  for (const skill of skills) {
    try {
      const body = await client.getSkillCredentialsV1(skill);
      console.log(JSON.stringify({ ok: true, body }));
    } catch (err) {
      console.log(JSON.stringify({ ok: false, statusCode: err.statusCode || 0, name: err.name || '', body: err.response || String(err.message || err) }));
    }
  }
}

main().catch((err) => {
  console.error('sdk check failed:', err && err.message ? err.message : err);
  process.exit(2);
});
