package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"
)

type skillCredentials struct {
	SkillMessagingCredentials struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	} `json:"skillMessagingCredentials"`
}

// getSkillCredentials serves GET /v1/skills/{skillId}/credentials: 401
// without a valid token, 400 for a skillId outside 1–255 characters, 404 for
// an unknown skill, 403 unless the caller is the skill's vendor.
func (s *Server) getSkillCredentials(w http.ResponseWriter, x *exchange) {
	who := s.authenticate(w, x)
	if who == nil {
		return
	}
	p := x.r.URL.Path
	id := strings.TrimSuffix(strings.TrimPrefix(p, "/v1/skills/"), "/credentials")
	if n := utf8.RuneCountInString(id); n < 1 || n > 255 {
		s.fail(w, x, http.StatusBadRequest, "", "skillId: must be 1 to 255 characters long", "skillId")
		return
	}
	if strings.Contains(id, "/") {
		s.fail(w, x, http.StatusNotFound, "", "skill not found: the skillId must be a single path segment", "")
		return
	}
	if fe := s.validate(x, nil); fe != nil {
		s.fail(w, x, http.StatusBadRequest, "", fe.Field+": "+fe.Reason, fe.Field)
		return
	}
	sk, ok := s.skills[id]
	if !ok {
		s.fail(w, x, http.StatusNotFound, "", "skill not found: no skill with this skillId", "")
		return
	}
	vendor := ""
	switch who.kind {
	case kindVendor:
		vendor = who.id
	case kindClient:
		vendor = who.vendor
	}
	if vendor == "" || vendor != sk.Vendor {
		s.fail(w, x, http.StatusForbidden, "", "the access token is valid but its owner is not the vendor of this skill", "")
		return
	}
	var out skillCredentials
	out.SkillMessagingCredentials.ClientID = sk.ClientID
	out.SkillMessagingCredentials.ClientSecret = sk.ClientSecret
	b, _ := json.Marshal(out)
	s.reply(w, x, http.StatusOK, b)
}
