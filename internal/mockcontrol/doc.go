// Package mockcontrol is the wire contract of the mock's control API under
// /__harness/ and its Go client, kept apart from the mock server so that
// graders, load generators and step definitions compile without it.
//
// Fault and RateLimit are the bodies of POST /__harness/faults and PUT
// /__harness/ratelimit (and the entries of a load profile's mock section);
// their Validate methods are the one owner of the checks the mock server
// applies to them. MintRequest and RevokeRequest are the bodies of POST
// /__harness/tokens (an access token for an identity, possibly already
// expired; answered with MintedToken) and POST /__harness/revoke (a refresh
// token LWA then refuses with invalid_grant). JournalEntry is one line of
// GET /__harness/journal, and Events turns a journal into compliance events
// (an HTTP-date Retry-After keeps its form). Control is the client.
// docs/mock.md describes the API.
package mockcontrol
