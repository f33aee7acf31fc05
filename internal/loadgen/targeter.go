package loadgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/alexa-harness/harness/internal/clients"
	"github.com/alexa-harness/harness/internal/contract"
)

// Endpoints are the base URLs of the three services.
type Endpoints struct {
	Locker, SMAPI, LWA string
}

// TokenGrant is what a token hit sends: the LWA client and a refresh token.
// The values are secrets; they only ever travel in request bodies.
type TokenGrant struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// mix64 is SplitMix64's finaliser: a bijection on uint64, so distinct inputs
// give distinct outputs (unique ids) that look random.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// DataGen generates Thread networks, deterministically per seed. Every
// generated extendedPanId is unique within a run (a bijection of a counter),
// and names are unique per extendedPanId.
type DataGen struct {
	seed uint64
}

// NewDataGen returns a generator for seed.
func NewDataGen(seed int64) DataGen { return DataGen{seed: uint64(seed)} }

const (
	domainCreate  = 0
	domainPreload = 1 << 62
)

// PreloadPan is the extendedPanId simulated client c's preloaded networks
// share (16 hex digits).
func (g DataGen) PreloadPan(c int) string {
	return fmt.Sprintf("%016x", mix64(g.seed^mix64(domainPreload|uint64(c))))
}

// Network returns generated network n (0-based) of a domain as a create body.
func (g DataGen) network(pan, name string, n uint64) []byte {
	k1, k2 := mix64(g.seed^mix64(n)^0xabc), mix64(g.seed^mix64(n)^0xdef)
	ch := 11 + int(n%16)
	body := map[string]any{"threadNetwork": map[string]any{
		"extendedPanId": pan,
		"networkName":   name,
		"networkKey":    fmt.Sprintf("%016x%016x", k1, k2),
		"pskc":          fmt.Sprintf("%016x%016x", k2, k1),
		"panId":         fmt.Sprintf("%04x", uint16(k1)%0xffff),
		"channelNumber": ch,
	}}
	b, _ := json.Marshal(body)
	return b
}

// PreloadNetwork is the create body of client c's j-th preloaded network.
func (g DataGen) PreloadNetwork(c, j int) []byte {
	return g.network(g.PreloadPan(c), PreloadName(c, j), domainPreload|uint64(c)<<20|uint64(j))
}

// PreloadName is the networkName of client c's j-th preloaded network.
func PreloadName(c, j int) string { return fmt.Sprintf("pre-%d-%d", c%10000, j) }

// CreateNetwork is the create body of the n-th created network of a run:
// a unique extendedPanId and name.
func (g DataGen) CreateNetwork(n uint64) []byte {
	pan := fmt.Sprintf("%016x", mix64(g.seed^mix64(domainCreate|n)))
	return g.network(pan, "n"+strconv.FormatUint(n, 36), n)
}

// Targeter produces the hits of a run: operations drawn by weight from the
// mix, simulated clients drawn uniformly, data from DataGen, all from one
// seeded random source, so that the sequence of targets is the same for the
// same seed. It is safe for concurrent use.
type Targeter struct {
	mu       sync.Mutex
	rng      *rand.Rand
	ops      []string
	cum      []int
	total    int
	clients  int
	created  uint64
	gets     []uint64
	pans     []string // each client's preload extendedPanId
	data     DataGen
	ep       Endpoints
	pageSize int
	preload  int
	grant    TokenGrant
	skillID  string
	shard    Shard
}

// TargeterConfig configures NewTargeter.
type TargeterConfig struct {
	Mix       map[string]int
	Clients   int
	Seed      int64
	PageSize  int
	Preload   int
	Endpoints Endpoints
	Grant     TokenGrant // for token hits
	SkillID   string
	// Shard maps the shard's clients and created networks to the whole
	// run's (Shard.Client, Shard.Global), so no two shards share data.
	Shard Shard
}

// NewTargeter returns a Targeter for a validated mix.
func NewTargeter(c TargeterConfig) *Targeter {
	t := &Targeter{
		rng:      rand.New(rand.NewPCG(uint64(c.Seed), 0x5eed^c.Shard.rngStream())),
		clients:  max(1, c.Clients),
		gets:     make([]uint64, max(1, c.Clients)),
		data:     NewDataGen(c.Seed),
		ep:       c.Endpoints,
		pageSize: c.PageSize,
		preload:  c.Preload,
		grant:    c.Grant,
		skillID:  c.SkillID,
		shard:    c.Shard,
	}
	for i := range t.clients {
		t.pans = append(t.pans, t.data.PreloadPan(c.Shard.Client(i)))
	}
	for _, op := range MixOperations() {
		if w := c.Mix[op]; w > 0 {
			t.total += w
			t.ops = append(t.ops, op)
			t.cum = append(t.cum, t.total)
		}
	}
	return t
}

// Targeter returns the vegeta.Targeter.
func (t *Targeter) Targeter() vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		if tgt == nil {
			return vegeta.ErrNilTarget
		}
		return t.Next(tgt)
	}
}

// Next fills tgt with the next hit.
func (t *Targeter) Next(tgt *vegeta.Target) error {
	if t.total == 0 {
		return vegeta.ErrNoTargets
	}
	t.mu.Lock()
	x := t.rng.IntN(t.total)
	c := t.rng.IntN(t.clients)
	n := t.created
	i := 0
	for t.cum[i] <= x {
		i++
	}
	op := t.ops[i]
	switch op {
	case MixCreate:
		t.created++
	case MixGet:
		n = t.gets[c]
		t.gets[c]++
	}
	t.mu.Unlock()
	return t.build(tgt, op, c, n)
}

func fragment(op string, c int) string { return "#op=" + op + "&c=" + strconv.Itoa(c) }

func (t *Targeter) build(tgt *vegeta.Target, op string, c int, n uint64) error {
	*tgt = vegeta.Target{}
	switch op {
	case MixCreate:
		tgt.Method = http.MethodPut
		tgt.URL = t.ep.Locker + contract.ThreadNetworksPath + fragment(op, c)
		tgt.Body = t.data.CreateNetwork(t.shard.Global(n))
		tgt.Header = http.Header{"Content-Type": {"application/json"}}
	case MixGet, MixGetAllPages:
		// get: the n-th get of client c varies maxResults (1–100) and the
		// networkName filter (none, or one of the preloaded names), so that
		// successive gets are distinct requests to the back-off rules
		// (which chain identical requests). get-all-pages walks pageSize
		// pages of the whole preload.
		size := t.pageSize
		name := ""
		if op == MixGet {
			size = 1 + int(n%100)
			if j := int(n/100) % (t.preload + 1); j > 0 {
				name = PreloadName(t.shard.Client(c), j-1)
			}
		}
		var b strings.Builder
		b.Grow(len(t.ep.Locker) + 128)
		b.WriteString(t.ep.Locker)
		b.WriteString(contract.ThreadNetworksPath)
		b.WriteString("?extendedPanId=")
		b.WriteString(t.pans[c])
		b.WriteString("&maxResults=")
		b.WriteString(strconv.Itoa(size))
		if name != "" {
			b.WriteString("&networkName=")
			b.WriteString(url.QueryEscape(name))
		}
		b.WriteString(fragment(op, c))
		tgt.Method = http.MethodGet
		tgt.URL = b.String()
	case MixSkillCredentials:
		tgt.Method = http.MethodGet
		tgt.URL = t.ep.SMAPI + fmt.Sprintf(contract.SkillCredentialsFmt, url.PathEscape(t.skillID)) + fragment(op, c)
	case MixToken:
		f := url.Values{}
		f.Set("grant_type", "refresh_token")
		f.Set("client_id", t.grant.ClientID)
		f.Set("client_secret", t.grant.ClientSecret)
		f.Set("refresh_token", t.grant.RefreshToken)
		tgt.Method = http.MethodPost
		tgt.URL = t.ep.LWA + contract.TokenPath + fragment(op, c)
		tgt.Body = []byte(f.Encode())
		tgt.Header = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	default:
		return fmt.Errorf("loadgen: unknown operation %q", op)
	}
	return nil
}

// HitInfo is what a hit's URL fragment says about it.
type HitInfo struct {
	Op     string // mix operation name
	Client int    // simulated client index, -1 when unknown
}

// ParseHit reads the operation and client from a target URL's fragment,
// falling back to the method and path for URLs without one.
func ParseHit(method, rawURL string) HitInfo {
	if i := strings.LastIndexByte(rawURL, '#'); i >= 0 {
		if hi := parseFragment(rawURL[i+1:]); hi.Op != "" {
			return hi
		}
	}
	hi := HitInfo{Client: -1}
	u, err := url.Parse(rawURL)
	if err != nil {
		return hi
	}
	if u.Fragment != "" {
		if v, err := url.ParseQuery(u.Fragment); err == nil {
			hi.Op = v.Get("op")
			if c, err := strconv.Atoi(v.Get("c")); err == nil {
				hi.Client = c
			}
		}
	}
	if hi.Op == "" {
		switch op, _ := clients.OperationOf(method, u.Path); op {
		case contract.OpCreateThreadNetwork:
			hi.Op = MixCreate
		case contract.OpGetThreadNetworks:
			hi.Op = MixGet
		case contract.OpGetSkillCredentials:
			hi.Op = MixSkillCredentials
		case contract.OpToken:
			hi.Op = MixToken
		default:
			hi.Op = "unknown"
		}
	}
	return hi
}
