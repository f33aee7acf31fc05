package mock

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"time"
)

// Access tokens and pagination tokens are self-contained and signed with
// HMAC-SHA256 under a random key drawn by each Server: the mock keeps no
// table of issued tokens, so memory stays bounded however many tokens a load
// test fetches, and nothing has to be swept when they expire. A token from
// another mock process (or a forged or altered one) fails the MAC check.

// b64 is strict so that a token with altered padding bits does not decode to
// the same bytes (it is read-only).
var b64 = base64.RawURLEncoding.Strict()

const (
	accessPrefix = "Atza|"
	macLen       = 16

	domainAccess byte = 'A'
	domainPage   byte = 'P'
)

// identity kinds.
const (
	kindCustomer byte = 1
	kindVendor   byte = 2
	kindClient   byte = 3
)

type signer struct {
	pool sync.Pool // of hash.Hash (HMAC-SHA256 under key)
}

func newSigner() (*signer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	s := &signer{}
	s.pool.New = func() any { return hmac.New(sha256.New, key) }
	return s, nil
}

// mac writes the MAC of domain||parts... into dst[:macLen].
func (s *signer) mac(dst []byte, domain byte, parts ...[]byte) {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte{domain})
	for _, p := range parts {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(p)))
		h.Write(l[:])
		h.Write(p)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	s.pool.Put(h)
	copy(dst, sum[:macLen])
}

// access token payload: kind(1) expiry-unix-nanos(8) nonce(8) id(...)
const accessHeader = 1 + 8 + 8

// issueAccess returns a new access token for the identity (kind, id)
// expiring at exp.
func (s *signer) issueAccess(kind byte, id string, exp time.Time) string {
	buf := make([]byte, accessHeader+len(id)+macLen)
	buf[0] = kind
	binary.BigEndian.PutUint64(buf[1:], uint64(exp.UnixNano()))
	_, _ = rand.Read(buf[9:17])
	copy(buf[accessHeader:], id)
	n := accessHeader + len(id)
	s.mac(buf[n:], domainAccess, buf[:n])
	return accessPrefix + b64.EncodeToString(buf)
}

// parseAccess verifies an access token and returns its identity and expiry.
// The id aliases scratch; ok is false for anything not issued by this signer.
func (s *signer) parseAccess(tok string, scratch []byte) (kind byte, id []byte, exp time.Time, ok bool) {
	if len(tok) <= len(accessPrefix) || tok[:len(accessPrefix)] != accessPrefix {
		return 0, nil, time.Time{}, false
	}
	enc := tok[len(accessPrefix):]
	if b64.DecodedLen(len(enc)) > len(scratch) {
		return 0, nil, time.Time{}, false
	}
	n, err := b64.Decode(scratch, []byte(enc))
	if err != nil || n < accessHeader+macLen {
		return 0, nil, time.Time{}, false
	}
	b := scratch[:n]
	var want [macLen]byte
	s.mac(want[:], domainAccess, b[:n-macLen])
	if !hmac.Equal(want[:], b[n-macLen:]) {
		return 0, nil, time.Time{}, false
	}
	exp = time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9])))
	return b[0], b[accessHeader : n-macLen], exp, true
}

// page token payload: epoch(8) issued-unix-nanos(8) offset(4) mac(16). The
// MAC also covers the customer and the query (extendedPanId, networkName),
// which the token does not carry: a token presented by another customer or
// with another query fails the check. maxResults is not bound, so a client
// may change its page size between pages.
const pageLen = 8 + 8 + 4 + macLen

func (s *signer) issuePage(customer, extPan, name string, epoch uint64, issued time.Time, offset int) string {
	var buf [pageLen]byte
	binary.BigEndian.PutUint64(buf[0:], epoch)
	binary.BigEndian.PutUint64(buf[8:], uint64(issued.UnixNano()))
	binary.BigEndian.PutUint32(buf[16:], uint32(offset))
	s.mac(buf[20:], domainPage, buf[:20], []byte(customer), []byte(extPan), []byte(name))
	return b64.EncodeToString(buf[:])
}

// parsePage verifies a page token for this customer and query.
func (s *signer) parsePage(tok, customer, extPan, name string) (epoch uint64, issued time.Time, offset int, ok bool) {
	if b64.DecodedLen(len(tok)) != pageLen {
		return 0, time.Time{}, 0, false
	}
	var buf [pageLen]byte
	n, err := b64.Decode(buf[:], []byte(tok))
	if err != nil || n != pageLen {
		return 0, time.Time{}, 0, false
	}
	var want [macLen]byte
	s.mac(want[:], domainPage, buf[:20], []byte(customer), []byte(extPan), []byte(name))
	if !hmac.Equal(want[:], buf[20:]) {
		return 0, time.Time{}, 0, false
	}
	epoch = binary.BigEndian.Uint64(buf[0:])
	issued = time.Unix(0, int64(binary.BigEndian.Uint64(buf[8:])))
	offset = int(binary.BigEndian.Uint32(buf[16:]))
	return epoch, issued, offset, true
}
