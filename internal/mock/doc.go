// Package mock is a faithful, programmable, in-process mock of the Credential
// Locker API, the SMAPI Skill Credentials API and Login with Amazon, served
// over real HTTP. Its control API under /__harness/ injects faults, sets rate
// limits, exposes a request journal and resets state; Control is its Go client.
package mock
