package clients_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// Example creates a Thread network in the mock and lists it back, through a
// 503 burst with Retry-After, recording every attempt.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := mock.Start(ctx, "127.0.0.1:0", mock.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close(context.Background())
	ctl := mockcontrol.Control{BaseURL: m.URL}
	_, _ = ctl.AddFault(ctx, mockcontrol.Fault{Operation: contract.OpCreateThreadNetwork, Status: 503, Count: 2, Probability: 1, RetryAfter: 1})

	cfg := clients.MockConfig(m.URL) // or clients.FromEnv(nil)
	var attempts []clients.Attempt
	cfg.Observer = clients.ObserverFunc(func(a clients.Attempt) { attempts = append(attempts, a) })
	cfg.Clock = &virtualClock{} // a real program leaves the clock alone and waits the 2 s
	locker, err := cfg.Locker()
	if err != nil {
		fmt.Println(err)
		return
	}
	n := clients.ThreadNetwork{ExtendedPanID: "0123456789abcdef", NetworkName: "home",
		NetworkKey: "00112233445566778899aabbccddeeff"}
	if err := locker.CreateThreadNetwork(ctx, n); err != nil {
		fmt.Println(err)
		return
	}
	err = locker.CreateThreadNetwork(ctx, n)
	var ae *clients.APIError
	if errors.As(err, &ae) {
		fmt.Println("again:", ae.Status, ae.Code, errors.Is(err, clients.ErrConflict), ae.Attempts, "attempt")
	}

	all, err := locker.All(ctx, clients.NetworkQuery{ExtendedPanID: "0123456789abcdef"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range all {
		fmt.Printf("%s %s key=%v\n", n.ExtendedPanID, n.NetworkName, n.NetworkKey)
	}
	for _, a := range attempts {
		fmt.Printf("%s #%d %d retry=%v waited≥RetryAfter=%v\n", a.Operation, a.Number, a.Status, a.Retry, a.Delay >= a.RetryAfter)
	}
	// Output:
	// again: 409 THREAD_NETWORK_ALREADY_EXISTS true 1 attempt
	// 0123456789abcdef home key=****5947
	// token #1 200 retry=false waited≥RetryAfter=true
	// createThreadNetwork #1 503 retry=true waited≥RetryAfter=true
	// createThreadNetwork #2 503 retry=true waited≥RetryAfter=true
	// createThreadNetwork #3 200 retry=false waited≥RetryAfter=true
	// createThreadNetwork #1 409 retry=false waited≥RetryAfter=true
	// getThreadNetworks #1 200 retry=false waited≥RetryAfter=true
}

// ExamplePolicyByName shows the policies a load profile can name.
func ExamplePolicyByName() {
	for _, name := range clients.PolicyNames() {
		p, _ := clients.PolicyByName(name, clients.PolicyParams{Base: time.Second, Rand: func() float64 { return 0.5 }})
		d := p.Decide(clients.RetryInput{Attempt: 1, Status: http.StatusTooManyRequests, RetryAfter: 3 * time.Second, HasRetryAfter: true})
		f := p.Decide(clients.RetryInput{Attempt: 1, Status: http.StatusForbidden})
		fmt.Printf("%-20s 429 Retry-After 3s: retry=%v after %v; 403: retry=%v\n", name, d.Retry, d.Delay, f.Retry)
	}
	_, err := clients.PolicyByName("aggressive", clients.PolicyParams{})
	fmt.Println(err)
	// Output:
	// standard             429 Retry-After 3s: retry=true after 3s; 403: retry=false
	// no-retry             429 Retry-After 3s: retry=false after 0s; 403: retry=false
	// immediate            429 Retry-After 3s: retry=true after 0s; 403: retry=false
	// ignore-retry-after   429 Retry-After 3s: retry=true after 500ms; 403: retry=false
	// retry-non-retryable  429 Retry-After 3s: retry=true after 3s; 403: retry=true
	// unknown retry policy "aggressive": use one of standard, no-retry, immediate, ignore-retry-after, retry-non-retryable
}
