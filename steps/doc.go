// Package steps holds the godog step definitions of the harness's executable
// contract (package features): what each Gherkin sentence does over the
// reference clients (internal/clients), raw HTTP where a scenario must send
// what the typed clients cannot (malformed bodies, bad Authorization
// headers, unknown routes), and the mock's control API (internal/mockcontrol) in
// @mock-only scenarios.
//
// Register installs the steps and hooks on a godog.ScenarioContext. Each
// scenario's state (its caller, its own random extendedPanId, the networks
// it created, the last answer, the attempts its client made, its dedicated
// mock) lives in a *world carried by the scenario's context.Context, never in
// package variables, so scenarios run concurrently.
//
// Every answer any step receives passes through a validating RoundTripper
// that checks its status, headers and body against api/openapi.yaml
// (api.Validator.ValidateResponse); a departure fails the scenario even when
// the scenario asked nothing about it.
//
// It is this module's step package, run by internal/conform (`harness
// conform`, `go test ./internal/conform`); it takes the module's internal
// types (clients.Config, mock.Running, mockcontrol.Control) and is not a
// public API. The contract users rely on is the Gherkin of package features
// and api/openapi.yaml.
package steps
