package mock

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache remembers access tokens that verified, with their identity,
// expiry and journal client id, so that the hot path neither decodes nor
// MACs nor hashes a token it has seen. Only tokens whose MAC verified are
// stored, so the cache cannot be poisoned; it is emptied when it reaches
// maxCachedTokens, which bounds its memory.
type tokenCache struct {
	m sync.Map // string -> *tokenInfo
	n atomic.Int64
}

const maxCachedTokens = 4096

type tokenInfo struct {
	who    *identity
	exp    time.Time
	client string
}

func (c *tokenCache) get(tok string) *tokenInfo {
	if v, ok := c.m.Load(tok); ok {
		return v.(*tokenInfo)
	}
	return nil
}

func (c *tokenCache) put(tok string, ti *tokenInfo) {
	if c.n.Add(1) > maxCachedTokens {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(tok, ti)
}

// requestKey is contract.RequestKey(method, request URI, body) computed with
// one SHA-256 over a pooled buffer: hashing the concatenation
// method\x00uri\x00body is what RequestKey's successive writes do. The URI is
// the request line's (what the client's URL.RequestURI() sent), falling back
// to r.URL.RequestURI() for absolute-form requests.
func (s *Server) requestKey(r *http.Request, body []byte) string {
	uri := r.RequestURI
	if uri == "" || uri[0] != '/' {
		uri = r.URL.RequestURI()
	}
	bp := s.bufs.Get().(*[]byte)
	b := append((*bp)[:0], r.Method...)
	b = append(b, 0)
	b = append(b, uri...)
	b = append(b, 0)
	b = append(b, body...)
	sum := sha256.Sum256(b)
	*bp = b[:0]
	s.bufs.Put(bp)
	var out [16]byte
	hex.Encode(out[:], sum[:8])
	return string(out[:])
}
