package fake

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// usersList is users.list: GET /admin/directory/v1/users.
func (s *Server) usersList(w http.ResponseWriter, r *http.Request, _ *issuedToken) *apiError {
	s.count.usersList.Add(1)
	q := r.URL.Query()
	customer, domain := q.Get("customer"), q.Get("domain")
	switch {
	case customer == "" && domain == "":
		return &apiError{Code: 400, Status: "INVALID_ARGUMENT", Reason: "badRequest", Message: "Bad Request"}
	case customer != "" && !s.customerOK(customer):
		return errNotAuthorized()
	case customer == "" && !strings.EqualFold(domain, s.d.Domain):
		return errNotAuthorized()
	}
	limit := 100
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errBadRequest(fmt.Sprintf("Invalid value '%s'. Values must be within the range: [1, 500]", v))
		}
		limit = n
	}
	switch q.Get("projection") {
	case "", "basic", "full", "custom":
	default:
		return errBadRequest("Invalid value for projection: " + q.Get("projection"))
	}
	mask, err := parseFields(q.Get("fields"))
	if err != nil {
		return errBadRequest("Invalid field selection: " + err.Error())
	}
	if bad := mask.unknown(usersSchema(), ""); bad != "" {
		return errBadRequest("Invalid field selection " + bad)
	}
	uq, err := parseUserQuery(q.Get("query"))
	if err != nil {
		return errBadRequest("Invalid Input: " + err.Error())
	}
	if uq.orgUnit != "" && !s.ouExists(uq.orgUnit) {
		return errBadRequest("Invalid Input: INVALID_OU_ID")
	}
	fp := fingerprint(customer, domain, q.Get("query"))
	page, after := 1, ""
	if tok := q.Get("pageToken"); tok != "" {
		var ok bool
		page, after, ok = decodePageToken(tok, fp)
		if !ok {
			return errBadRequest("Invalid Input: pageToken")
		}
	}
	pf, ok := s.faults.AtPage(r.Context(), page)
	if !ok {
		return nil
	}
	failCode, truncate, empty := pf.FailCode, pf.Truncate, pf.Empty
	if failCode != 0 {
		if failCode == 429 || failCode == 403 {
			return errRateLimit(UserRateLimitExceeded, 0)
		}
		if failCode >= 500 {
			return errServer(failCode)
		}
		return errBadRequest("Invalid Input")
	}

	buf := make([]byte, 0, 64+limit*360)
	buf = append(buf, '{')
	sep := func() {
		if buf[len(buf)-1] != '{' {
			buf = append(buf, ',')
		}
	}
	if mask.has("kind") {
		buf = append(buf, `"kind":"admin#directory#users"`...)
	}
	if mask.has("etag") {
		sep()
		buf = append(buf, `"etag":"\"fake-users-etag\""`...)
	}
	um := mask.sub("users")
	s.mu.RLock()
	start := 0
	if after != "" {
		start = s.searchID(after)
		if start < len(s.d.Users) && s.d.Users[start].ID == after {
			start++
		}
	}
	n, last, more := 0, "", false
	if !empty {
		_, more = s.listPage(&uq, start, limit, func(u *User) {
			if mask.has("users") {
				if n == 0 {
					sep()
					buf = append(buf, `"users":[`...)
				} else {
					buf = append(buf, ',')
				}
				buf = s.appendUser(buf, u, um)
			}
			n++
			last = u.ID
		})
	}
	s.mu.RUnlock()
	if n > 0 && mask.has("users") {
		buf = append(buf, ']')
	}
	if more && mask.has("nextPageToken") {
		sep()
		buf = append(buf, `"nextPageToken":`...)
		buf = appendString(buf, encodePageToken(page+1, last, fp))
	}
	buf = append(buf, '}', '\n')

	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	if truncate {
		// The promised length is not delivered: the client sees the
		// connection end mid-body.
		_, _ = w.Write(buf[:len(buf)/2])
		return nil
	}
	_, _ = w.Write(buf)
	return nil
}

// usersGet is users.get: GET /admin/directory/v1/users/{userKey}.
func (s *Server) usersGet(w http.ResponseWriter, r *http.Request, _ *issuedToken) *apiError {
	s.count.usersGet.Add(1)
	mask, err := parseFields(r.URL.Query().Get("fields"))
	if err != nil {
		return errBadRequest("Invalid field selection: " + err.Error())
	}
	if bad := mask.unknown(userSchema(), ""); bad != "" {
		return errBadRequest("Invalid field selection " + bad)
	}
	key := r.PathValue("userKey")
	s.mu.RLock()
	i, ok := s.findKey(key)
	var buf []byte
	if ok {
		buf = s.appendUser(nil, &s.d.Users[i], mask)
	}
	s.mu.RUnlock()
	if !ok {
		return errNotFound("userKey")
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(append(buf, '\n'))
	return nil
}

// appendUser writes one User resource, basic projection, in Google's
// field order, keeping only what mask selects. Callers hold s.mu.
func (s *Server) appendUser(b []byte, u *User, m *fieldMask) []byte {
	b = append(b, '{')
	first := true
	field := func(name string) bool {
		if !m.has(name) {
			return false
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		return true
	}
	boolean := func(name string, v bool) {
		if field(name) {
			b = strconv.AppendBool(b, v)
		}
	}
	str := func(name, v string) {
		if field(name) {
			b = appendString(b, v)
		}
	}
	str("kind", "admin#directory#user")
	str("id", u.ID)
	if field("etag") { // built only when asked for: most listings are not
		b = appendString(b, `"fake-etag-`+u.ID+`"`)
	}
	str("primaryEmail", u.PrimaryEmail)
	if field("name") {
		nm := m.sub("name")
		b = append(b, '{')
		nf := true
		part := func(name, v string) {
			if !nm.has(name) {
				return
			}
			if !nf {
				b = append(b, ',')
			}
			nf = false
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, '"', ':')
			b = appendString(b, v)
		}
		part("givenName", u.GivenName)
		part("familyName", u.FamilyName)
		part("fullName", u.FullName())
		b = append(b, '}')
	}
	boolean("isAdmin", u.IsAdmin)
	if field("isDelegatedAdmin") {
		b = strconv.AppendBool(b, s.delegate[u.ID])
	}
	str("lastLoginTime", "1970-01-01T00:00:00.000Z")
	str("creationTime", "2019-08-01T15:04:05.000Z")
	boolean("agreedToTerms", true)
	boolean("suspended", u.Suspended)
	boolean("archived", u.Archived)
	boolean("changePasswordAtNextLogin", false)
	boolean("ipWhitelisted", false)
	if field("emails") {
		b = append(b, `[{"address":`...)
		b = appendString(b, u.PrimaryEmail)
		b = append(b, `,"primary":true}]`...)
	}
	str("customerId", s.d.CustomerID)
	str("orgUnitPath", u.OrgUnitPath)
	boolean("isMailboxSetup", true)
	boolean("isEnrolledIn2Sv", false)
	boolean("isEnforcedIn2Sv", false)
	boolean("includeInGlobalAddressList", true)
	return append(b, '}')
}

// appendString appends s as a JSON string: runs of bytes that need no
// escape are copied whole, an invalid UTF-8 byte becomes \ufffd.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				b = append(b, '\\', c)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// searchID returns the index of the first user whose id is >= id.
// Callers hold s.mu.
func (s *Server) searchID(id string) int {
	return sort.Search(len(s.d.Users), func(i int) bool { return s.d.Users[i].ID >= id })
}

func (s *Server) ouExists(path string) bool {
	for _, ou := range s.d.OrgUnits {
		if strings.EqualFold(ou.Path, path) {
			return true
		}
	}
	return false
}

// fingerprint binds a page token to the listing it continues.
func fingerprint(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

func encodePageToken(page int, after string, fp uint32) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d|%s|%08x", page, after, fp))
}

func decodePageToken(tok string, fp uint32) (page int, after string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, "", false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[2] != fmt.Sprintf("%08x", fp) {
		return 0, "", false
	}
	page, err = strconv.Atoi(parts[0])
	if err != nil || page < 2 || parts[1] == "" {
		return 0, "", false
	}
	return page, parts[1], true
}
