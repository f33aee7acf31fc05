package mock

import "testing"

// TestDecodeCreateExactNames: a create body's field names are matched
// exactly, as the API and the OpenAPI validator match them; a name that
// differs only in case is an unknown property, ignored (encoding/json
// alone would read it as the field). Errors still name the field.
func TestDecodeCreateExactNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		channel int    // the channel read, 0 = none
		field   string // the field an error names, "" = no error
	}{
		{"exact channel", `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k","channelNumber":15}}`, 15, ""},
		{"case-variant channel ignored", `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k","ChAnNelnumBer":""}}`, 0, ""},
		{"case-variant required field is missing", `{"threadNetwork":{"ExtendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k"}}`, 0, "threadNetwork.extendedPanId"},
		{"case-variant wrapper is missing", `{"ThreadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k"}}`, 0, "threadNetwork"},
		{"case variant through an escape ignored", `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k","\u0043hannelNumber":""}}`, 0, ""},
		{"exact name through an escape read", `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":"n","networkKey":"k","\u0063hannelNumber":15}}`, 15, ""},
		{"Kelvin sign for k is another name", "{\"threadNetwork\":{\"extendedPanId\":\"0123456789abcdef\",\"networkName\":\"n\",\"networ\u212aKey\":\"k\"}}", 0, "threadNetwork.networkKey"},
		{"wrong type named", `{"threadNetwork":{"extendedPanId":"0123456789abcdef","networkName":5,"networkKey":"k"}}`, 0, "threadNetwork.networkName"},
		{"not an object", `[1]`, 0, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, fe := decodeCreate([]byte(tt.body), false)
			switch {
			case tt.field == "" && fe != nil:
				t.Fatalf("error %s: %s, want none", fe.Field, fe.Reason)
			case tt.field != "" && (fe == nil || fe.Field != tt.field):
				t.Fatalf("error %+v, want one naming %s", fe, tt.field)
			}
			got := 0
			if n.ChannelNumber != nil {
				got = *n.ChannelNumber
			}
			if fe == nil && got != tt.channel {
				t.Errorf("channel %d, want %d", got, tt.channel)
			}
		})
	}
}
