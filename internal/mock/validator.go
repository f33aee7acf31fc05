package mock

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/alexa-harness/harness/api"
)

// NoValidator, as Config.Validator, turns OpenAPI validation off: the mock
// then runs only its own checks (which cover the same rules).
var NoValidator RequestValidator = noValidator{}

type noValidator struct{}

func (noValidator) ValidateRequest(context.Context, *http.Request, []byte) error { return nil }

// sharedValidator loads api/openapi.yaml once per process; the validator is
// immutable and safe for concurrent use, so every Server may share it.
var sharedValidator = sync.OnceValues(func() (*api.Validator, error) { return api.NewValidator() })

func defaultValidator() (RequestValidator, error) {
	v, err := sharedValidator()
	if err != nil {
		return nil, err
	}
	return v, nil
}

// FieldOf returns the field and reason of a validation error (an
// *api.ValidationError anywhere in its chain); for other errors the field is
// "body" and the reason the error text.
func FieldOf(err error) (field, reason string) {
	var ve *api.ValidationError
	if errors.As(err, &ve) {
		f := ve.Field
		if f == "" {
			f = "request"
		}
		return f, ve.Reason
	}
	return "body", err.Error()
}

// validate runs the OpenAPI validator, if any, on the exchange's request.
func (s *Server) validate(x *exchange, body []byte) *fieldError {
	if s.validator == nil {
		return nil
	}
	if err := s.validator.ValidateRequest(x.r.Context(), x.r, body); err != nil {
		f, r := FieldOf(err)
		return &fieldError{Field: f, Reason: r}
	}
	return nil
}
