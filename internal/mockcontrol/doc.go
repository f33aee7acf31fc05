// Package mockcontrol is the wire contract of the mock's control API under
// /__harness/ and its Go client, kept apart from the mock server so that
// graders, load generators and step definitions compile without it.
//
// Fault and RateLimit are the bodies of POST /__harness/faults and PUT
// /__harness/ratelimit (and the entries of a load profile's mock section);
// their Validate methods are the one owner of the checks the mock server
// applies to them. JournalEntry is one line of GET /__harness/journal, and
// Events turns a journal into compliance events. Control is the client.
// docs/mock.md describes the API.
package mockcontrol
