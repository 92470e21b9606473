package fake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MediaType is NRPS 2.0's membership container.
const MediaType = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

// MsgInvalidToken is the platform's words for a token it does not take.
const MsgInvalidToken = "Invalid access token"

func nrpsError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, "application/json", map[string]any{"errors": []map[string]string{{"message": msg}}})
}

// serveNRPS answers a course's membership container, a page at a time.
func (p *Platform) serveNRPS(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		tok = strings.TrimSpace(rest)
	}
	p.mu.Lock()
	at, ok := p.tokens[tok]
	c := p.courses[r.PathValue("id")]
	var members []Member
	if c != nil {
		members = slices.Clone(c.Members)
	}
	now := p.now()
	p.mu.Unlock()
	if !ok || at.revoked || !now.Before(at.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		nrpsError(w, http.StatusUnauthorized, MsgInvalidToken)
		return
	}
	if req, ok := p.faults.Take(); ok {
		if req.RateLimited {
			if req.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((req.RetryAfter+time.Second-1)/time.Second)))
			}
			nrpsError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		nrpsError(w, req.Code, http.StatusText(req.Code))
		return
	}
	if c == nil {
		nrpsError(w, http.StatusNotFound, "The specified resource does not exist.")
		return
	}
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			nrpsError(w, http.StatusBadRequest, "limit must be a positive integer")
			return
		}
		limit = min(n, MaxLimit)
	}
	if role := q.Get("role"); role != "" {
		members = slices.DeleteFunc(members, func(m Member) bool { return !hasRole(m.Roles, role) })
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			nrpsError(w, http.StatusBadRequest, "invalid page")
			return
		}
		page = n
	}
	p.count.nrpsPages.Add(1)
	pg, ok := p.faults.AtPage(r.Context(), page)
	if !ok {
		return
	}
	if pg.FailCode != 0 {
		nrpsError(w, pg.FailCode, http.StatusText(pg.FailCode))
		return
	}
	if pg.Empty {
		members = nil
	}
	start := min((page-1)*limit, len(members))
	end := min(start+limit, len(members))
	out := make([]map[string]any, 0, end-start)
	for _, m := range members[start:end] {
		out = append(out, renderMember(m))
	}
	self := p.Issuer() + r.URL.RequestURI()
	if end < len(members) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", strconv.Itoa(page+1))
		nq.Set("limit", strconv.Itoa(limit))
		w.Header().Add("Link", "<"+p.MembershipsURL(c.ID)+"?"+nq.Encode()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, MediaType, map[string]any{
		"id":      self,
		"context": map[string]any{"id": c.ID, "label": c.Label, "title": c.Title},
		"members": out,
	})
}

func renderMember(m Member) map[string]any {
	out := map[string]any{"user_id": m.UserID, "name": m.Name(), "given_name": m.Given, "family_name": m.Family, "roles": m.Roles}
	if m.Status != "" {
		out["status"] = m.Status
	}
	if m.Email != "" {
		out["email"] = m.Email
	}
	if m.SIS != "" {
		out["lis_person_sourcedid"] = m.SIS
	}
	return out
}

// hasRole matches a role filter against a member's roles, long or short.
func hasRole(roles []string, want string) bool {
	short := func(r string) string {
		if i := strings.LastIndexAny(r, "#/"); i >= 0 {
			return r[i+1:]
		}
		return r
	}
	for _, r := range roles {
		if r == want || short(r) == short(want) {
			return true
		}
	}
	return false
}
