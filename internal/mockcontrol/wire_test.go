package mockcontrol_test

import (
	"math"
	"strings"
	"testing"

	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

func TestFaultValidate(t *testing.T) {
	ok := mockcontrol.Fault{Operation: contract.OpToken, Status: 503}
	with := func(mod func(*mockcontrol.Fault)) mockcontrol.Fault { f := ok; mod(&f); return f }
	for _, tc := range []struct {
		name  string
		f     mockcontrol.Fault
		field string // "" = valid
	}{
		{"status", ok, ""},
		{"any operation", with(func(f *mockcontrol.Fault) { f.Operation = "*" }), ""},
		{"reset only", mockcontrol.Fault{Operation: contract.OpToken, Reset: true}, ""},
		{"delay only", mockcontrol.Fault{Operation: contract.OpToken, DelayMs: mockcontrol.MaxDelayMs}, ""},
		{"all bounds", with(func(f *mockcontrol.Fault) {
			f.Count, f.Probability, f.RetryAfter = mockcontrol.MaxFaultCount, 1, mockcontrol.MaxRetryAfterSeconds
		}), ""},
		{"empty operation", with(func(f *mockcontrol.Fault) { f.Operation = "" }), "operation: "},
		{"unknown operation", with(func(f *mockcontrol.Fault) { f.Operation = "Token" }), "operation: "},
		{"status 200", with(func(f *mockcontrol.Fault) { f.Status = 200 }), "status: "},
		{"status 600", with(func(f *mockcontrol.Fault) { f.Status = 600 }), "status: "},
		{"nothing to do", mockcontrol.Fault{Operation: contract.OpToken}, "status: "},
		{"status and reset", with(func(f *mockcontrol.Fault) { f.Reset = true }), "reset: "},
		{"negative count", with(func(f *mockcontrol.Fault) { f.Count = -1 }), "count: "},
		{"huge count", with(func(f *mockcontrol.Fault) { f.Count = mockcontrol.MaxFaultCount + 1 }), "count: "},
		{"probability NaN", with(func(f *mockcontrol.Fault) { f.Probability = math.NaN() }), "probability: must be a finite number in [0, 1]"},
		{"probability +Inf", with(func(f *mockcontrol.Fault) { f.Probability = math.Inf(1) }), "probability: "},
		{"probability -Inf", with(func(f *mockcontrol.Fault) { f.Probability = math.Inf(-1) }), "probability: "},
		{"probability > 1", with(func(f *mockcontrol.Fault) { f.Probability = 1.01 }), "probability: "},
		{"probability < 0", with(func(f *mockcontrol.Fault) { f.Probability = -0.1 }), "probability: "},
		{"negative retryAfter", with(func(f *mockcontrol.Fault) { f.RetryAfter = -1 }), "retryAfter: "},
		{"huge retryAfter", with(func(f *mockcontrol.Fault) { f.RetryAfter = mockcontrol.MaxRetryAfterSeconds + 1 }), "retryAfter: "},
		{"negative delay", with(func(f *mockcontrol.Fault) { f.DelayMs = -1 }), "delayMs: "},
		{"huge delay", with(func(f *mockcontrol.Fault) { f.DelayMs = mockcontrol.MaxDelayMs + 1 }), "delayMs: "},
		{"date", with(func(f *mockcontrol.Fault) { f.RetryAfter, f.RetryAfterDate = 2, true }), ""},
		{"date without retryAfter", with(func(f *mockcontrol.Fault) { f.RetryAfterDate = true }), "retryAfterDate: "},
		{"date on a reset", mockcontrol.Fault{Operation: contract.OpToken, Reset: true, RetryAfter: 1, RetryAfterDate: true}, "retryAfterDate: "},
		{"date on a delay", mockcontrol.Fault{Operation: contract.OpToken, DelayMs: 5, RetryAfter: 1, RetryAfterDate: true}, "retryAfterDate: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.f
			err := tc.f.Validate()
			if tc.f != before && !math.IsNaN(before.Probability) {
				t.Errorf("Validate modified its receiver: %+v → %+v", before, tc.f)
			}
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate(%+v) = %v, want nil", tc.f, err)
			case tc.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.field)):
				t.Errorf("Validate(%+v) = %v, want an error starting %q", tc.f, err, tc.field)
			}
		})
	}
}

func TestRateLimitValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		l     mockcontrol.RateLimit
		field string
	}{
		{"limit", mockcontrol.RateLimit{Operation: "*", Rate: 5, Burst: 5, RetryAfter: 1}, ""},
		{"remove", mockcontrol.RateLimit{Operation: contract.OpGetThreadNetworks}, ""},
		{"default burst", mockcontrol.RateLimit{Operation: "*", Rate: 0.5}, ""},
		{"bounds", mockcontrol.RateLimit{Operation: "*", Rate: mockcontrol.MaxRate, Burst: mockcontrol.MaxBurst, RetryAfter: mockcontrol.MaxRetryAfterSeconds}, ""},
		{"empty operation", mockcontrol.RateLimit{Rate: 1}, "operation: "},
		{"unknown operation", mockcontrol.RateLimit{Operation: "x", Rate: 1}, "operation: "},
		{"rate NaN", mockcontrol.RateLimit{Operation: "*", Rate: math.NaN()}, "rate: must be a finite number"},
		{"rate +Inf", mockcontrol.RateLimit{Operation: "*", Rate: math.Inf(1)}, "rate: "},
		{"rate negative", mockcontrol.RateLimit{Operation: "*", Rate: -1}, "rate: "},
		{"rate huge", mockcontrol.RateLimit{Operation: "*", Rate: mockcontrol.MaxRate * 2}, "rate: "},
		{"burst negative", mockcontrol.RateLimit{Operation: "*", Rate: 1, Burst: -1}, "burst: "},
		{"burst huge", mockcontrol.RateLimit{Operation: "*", Rate: 1, Burst: mockcontrol.MaxBurst + 1}, "burst: "},
		{"retryAfter negative", mockcontrol.RateLimit{Operation: "*", Rate: 1, RetryAfter: -1}, "retryAfter: "},
		{"retryAfter huge", mockcontrol.RateLimit{Operation: "*", Rate: 1, RetryAfter: mockcontrol.MaxRetryAfterSeconds + 1}, "retryAfter: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.l
			err := tc.l.Validate()
			if tc.l != before && !math.IsNaN(before.Rate) {
				t.Errorf("Validate modified its receiver")
			}
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate(%+v) = %v, want nil", tc.l, err)
			case tc.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.field)):
				t.Errorf("Validate(%+v) = %v, want an error starting %q", tc.l, err, tc.field)
			}
		})
	}
}

func TestRateLimitWithDefaults(t *testing.T) {
	for _, tc := range []struct {
		in        mockcontrol.RateLimit
		wantBurst int
	}{
		{mockcontrol.RateLimit{Operation: "*", Rate: 0.5}, 1},
		{mockcontrol.RateLimit{Operation: "*", Rate: 2.2}, 3},
		{mockcontrol.RateLimit{Operation: "*", Rate: 4, Burst: 1}, 1},
		{mockcontrol.RateLimit{Operation: "*"}, 0},
	} {
		in := tc.in
		if got := tc.in.WithDefaults(); got.Burst != tc.wantBurst || tc.in != in {
			t.Errorf("%+v.WithDefaults().Burst = %d, want %d (input unchanged)", tc.in, got.Burst, tc.wantBurst)
		}
	}
}

func TestMintRequestValidate(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		name  string
		m     mockcontrol.MintRequest
		field string
	}{
		{"expired", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(-60)}, ""},
		{"default lifetime", mockcontrol.MintRequest{RefreshToken: "Atzr|x"}, ""},
		{"zero", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(0)}, ""},
		{"bounds", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(mockcontrol.MaxTokenLifetimeSeconds)}, ""},
		{"-bounds", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(-mockcontrol.MaxTokenLifetimeSeconds)}, ""},
		{"no token", mockcontrol.MintRequest{ExpiresIn: n(1)}, "refreshToken: "},
		{"too long", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(mockcontrol.MaxTokenLifetimeSeconds + 1)}, "expiresIn: "},
		{"too far back", mockcontrol.MintRequest{RefreshToken: "Atzr|x", ExpiresIn: n(math.MinInt)}, "expiresIn: "},
	} {
		err := tc.m.Validate()
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: Validate = %v, want nil", tc.name, err)
		case tc.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.field)):
			t.Errorf("%s: Validate = %v, want an error starting %q", tc.name, err, tc.field)
		case err != nil && strings.Contains(err.Error(), "Atzr|x"):
			t.Errorf("%s: Validate quotes the refresh token: %v", tc.name, err)
		}
	}
	if err := (mockcontrol.RevokeRequest{}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "refreshToken: ") {
		t.Errorf("RevokeRequest{}.Validate() = %v", err)
	}
	if err := (mockcontrol.RevokeRequest{RefreshToken: "Atzr|x"}).Validate(); err != nil {
		t.Errorf("RevokeRequest.Validate() = %v", err)
	}
}
