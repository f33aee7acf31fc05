// Package mock is a faithful, programmable, in-process mock of the Credential
// Locker API, the SMAPI Skill Credentials API and Login with Amazon, served
// over real HTTP. Its control API under /__harness/ injects faults, sets rate
// limits, mints (possibly expired) access tokens, revokes refresh tokens,
// exposes a request journal and resets state; package mockcontrol
// holds its wire types (and their checks) and its Go client.
//
// New builds the http.Handler (all three services, the control API and
// /metrics on one base URL); Start serves it on a socket until its context
// ends or Close is called. The well-known identities of
// docs/mock.md are built in (DefaultFixtures); LoadFixtures reads a
// file that extends or replaces them. Requests are validated against
// api/openapi.yaml (package api) plus the rules OpenAPI cannot express.
// Access tokens and pagination tokens are self-contained and HMAC-signed, so
// the mock's memory is bounded by its fixtures, the networks created (at
// most MaxNetworksPerCustomer per customer) and the journal's ring buffer.
// docs/mock.md describes the behaviour, the control API and the fixtures.
package mock
