package mockcontrol_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/alexa-harness/harness/internal/mock"
	"github.com/alexa-harness/harness/internal/mockcontrol"
)

// TestZeroControlConnectionPerCall: the zero Control opens a connection for
// each call and keeps none, so no pooled connection can outlive the mock it
// went to (a mock on a reused port would get a POST on a dead connection:
// EOF). Counted on the server side, over real sockets.
func TestZeroControlConnectionPerCall(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := mockcontrol.Control{BaseURL: srv.URL}
	const calls = 5
	for range calls {
		if err := c.Health(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != calls {
		t.Errorf("%d calls opened %d connections, want one each", calls, n)
	}
}

// TestControlAcrossMocksOnOnePort: mocks started and shut down one after
// another on the same loopback port each take the control calls made to
// them, POSTs included.
func TestControlAcrossMocksOnOnePort(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := "127.0.0.1:0"
	for i := range 10 {
		run, err := mock.Start(ctx, addr, mock.Config{})
		if err != nil {
			t.Fatalf("mock %d on %s: %v", i, addr, err)
		}
		addr = run.Addr // the next mock takes the same port
		c := mockcontrol.Control{BaseURL: run.URL}
		if _, err := c.AddFault(ctx, mockcontrol.Fault{Operation: "getThreadNetworks", Status: 503, Count: 1}); err != nil {
			t.Fatalf("mock %d: %v", i, err)
		}
		if err := c.Health(ctx); err != nil {
			t.Fatalf("mock %d: %v", i, err)
		}
		if err := run.Close(ctx); err != nil {
			t.Fatalf("close mock %d: %v", i, err)
		}
	}
}
