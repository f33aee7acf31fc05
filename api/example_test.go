package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/alexa-harness/harness/api"
)

// A mock validates each request before acting on it and answers 400 with the
// field and the reason; the same validator serves requests to the real hosts.
func ExampleValidator_ValidateRequest() {
	v, err := api.NewValidator()
	if err != nil {
		panic(err)
	}
	body := []byte(`{"threadNetwork": {"extendedPanId": "extended.pan.id.1", "networkName": "MyThreadNetworkName", "networkKey": "network.key.1"}}`)
	r := httptest.NewRequest(http.MethodPut, "https://credential-locker-service.amazon.com/credentiallocker/v2/threadNetworks", nil)
	r.Header.Set("Content-Type", "application/json")

	op, _ := api.OperationOf(r.Method, r.URL.Path)
	err = v.ValidateRequest(context.Background(), r, body)
	var ve *api.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(op, "->", http.StatusBadRequest, ve.Field)
		fmt.Println(ve.Reason)
	}

	// GET from Amazon's SDK: no Content-Type, no Accept; authentication is
	// left to the service.
	r = httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/credentiallocker/v2/threadNetworks?extendedPanId=extended.pan.id.1", nil)
	fmt.Println(v.ValidateRequest(context.Background(), r, nil))

	r = httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/credentiallocker/v3/threadNetworks", nil)
	err = v.ValidateRequest(context.Background(), r, nil)
	fmt.Println(errors.Is(err, api.ErrNoRoute), strings.HasPrefix(err.Error(), "path: "))
	// Output:
	// createThreadNetwork -> 400 threadNetwork.networkName
	// is too long: send a string of 1 to 16 characters and at most 16 bytes of UTF-8
	// <nil>
	// true true
}
