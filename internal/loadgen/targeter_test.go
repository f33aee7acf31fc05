package loadgen

import (
	"encoding/json"
	"net/url"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func newTestTargeter(seed int64) *Targeter {
	return NewTargeter(TargeterConfig{
		Mix:     map[string]int{MixCreate: 2, MixGet: 3, MixGetAllPages: 1, MixSkillCredentials: 1, MixToken: 1},
		Clients: 5, Seed: seed, PageSize: 2, Preload: 3,
		Endpoints: Endpoints{Locker: "http://127.0.0.1:1", SMAPI: "http://127.0.0.1:2", LWA: "http://127.0.0.1:3"},
		Grant:     TokenGrant{ClientID: "id", ClientSecret: "s", RefreshToken: "r"}, SkillID: "skill",
	})
}

func TestTargeterDeterministicAndUnique(t *testing.T) {
	a, b, c := newTestTargeter(42), newTestTargeter(42), newTestTargeter(43)
	pans := map[string]bool{}
	counts := map[string]int{}
	differs := false
	for i := range 5000 {
		var ta, tb, tc vegeta.Target
		for _, x := range []struct {
			tg  *Targeter
			tgt *vegeta.Target
		}{{a, &ta}, {b, &tb}, {c, &tc}} {
			if err := x.tg.Next(x.tgt); err != nil {
				t.Fatal(err)
			}
		}
		if !ta.Equal(&tb) {
			t.Fatalf("hit %d differs for the same seed:\n%+v\n%+v", i, ta, tb)
		}
		if !ta.Equal(&tc) {
			differs = true
		}
		hi := ParseHit(ta.Method, ta.URL)
		counts[hi.Op]++
		if hi.Client < 0 || hi.Client >= 5 {
			t.Fatalf("bad client in %s", ta.URL)
		}
		if hi.Op == MixCreate {
			var body struct {
				N struct {
					Pan  string `json:"extendedPanId"`
					Name string `json:"networkName"`
				} `json:"threadNetwork"`
			}
			if err := json.Unmarshal(ta.Body, &body); err != nil {
				t.Fatal(err)
			}
			if pans[body.N.Pan] {
				t.Fatalf("extendedPanId %s generated twice", body.N.Pan)
			}
			pans[body.N.Pan] = true
			if len(body.N.Name) > 16 || len(body.N.Pan) != 16 {
				t.Fatalf("bad generated network %+v", body.N)
			}
		}
		if hi.Op == MixGet {
			u, _ := url.Parse(ta.URL)
			if u.Query().Get("maxResults") == "" || u.Query().Get("extendedPanId") != NewDataGen(42).PreloadPan(hi.Client) {
				t.Fatalf("bad get %s", ta.URL)
			}
		}
	}
	if !differs {
		t.Error("seeds 42 and 43 gave the same sequence")
	}
	// Weighted: create 2/8, get 3/8, the rest 1/8 each, within 15 %.
	for op, w := range map[string]float64{MixCreate: 2, MixGet: 3, MixGetAllPages: 1, MixSkillCredentials: 1, MixToken: 1} {
		want := 5000 * w / 8
		if got := float64(counts[op]); got < want*0.85 || got > want*1.15 {
			t.Errorf("%s: %v hits, want about %v", op, got, want)
		}
	}
}

func TestParseHit(t *testing.T) {
	tests := []struct {
		method, url string
		want        HitInfo
	}{
		{"GET", "http://h/credentiallocker/v2/threadNetworks?extendedPanId=x#op=get-all-pages&c=3", HitInfo{MixGetAllPages, 3}},
		{"PUT", "http://h/credentiallocker/v2/threadNetworks", HitInfo{MixCreate, -1}},
		{"POST", "http://h/auth/O2/token", HitInfo{MixToken, -1}},
		{"GET", "http://h/v1/skills/abc/credentials", HitInfo{MixSkillCredentials, -1}},
		{"DELETE", "http://h/x", HitInfo{"unknown", -1}},
		{"GET", "::bad", HitInfo{"", -1}},
	}
	for _, tt := range tests {
		if got := ParseHit(tt.method, tt.url); got != tt.want {
			t.Errorf("ParseHit(%s %s) = %+v, want %+v", tt.method, tt.url, got, tt.want)
		}
	}
}
