package fake

import (
	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// Scopes the fake knows, with the read-only ones a district grants Rollcall.
const (
	ScopeUserReadonly    = "https://www.googleapis.com/auth/admin.directory.user.readonly"
	ScopeOrgUnitReadonly = "https://www.googleapis.com/auth/admin.directory.orgunit.readonly"
	ScopeRoleReadonly    = "https://www.googleapis.com/auth/admin.directory.rolemanagement.readonly"
	ScopeUser            = "https://www.googleapis.com/auth/admin.directory.user"
	ScopeOrgUnit         = "https://www.googleapis.com/auth/admin.directory.orgunit"
	ScopeRole            = "https://www.googleapis.com/auth/admin.directory.rolemanagement"
)

// ReadOnlyScopes are the scopes domain-wide delegation grants a service
// account by default in the fake.
func ReadOnlyScopes() []string {
	return []string{ScopeUserReadonly, ScopeOrgUnitReadonly, ScopeRoleReadonly}
}

// ServiceAccount is a service account with its RSA key (shared with the
// other Google fakes).
type ServiceAccount = fakeauth.ServiceAccount

// NewServiceAccount generates a service account and its JSON key file with
// token_uri set to tokenURI. No server knows it until Server.Register.
func NewServiceAccount(email, tokenURI string) (*ServiceAccount, []byte, error) {
	return fakeauth.NewServiceAccount(email, tokenURI)
}

// Register makes the server accept assertions signed by sa's key, granting
// it scopes by domain-wide delegation (none given: ReadOnlyScopes). A
// later Register of the same email replaces the key and grant.
func (s *Server) Register(sa *ServiceAccount, scopes ...string) { s.auth.Register(sa, scopes...) }

// NewServiceAccount generates, registers (with ReadOnlyScopes) and returns
// the JSON key file of a service account whose token_uri is this server.
func (s *Server) NewServiceAccount() ([]byte, error) {
	sa, file, err := NewServiceAccount("rollcall-sync@rollcall-fake.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		return nil, err
	}
	s.Register(sa)
	return file, nil
}

// subject is the token issuer's look-up of a subject: a live user, and
// whether they are an admin, which the token carries as Google's own
// tokens carry the subject's standing (looking it up per call would scan).
func (s *Server) subject(email string) (any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.findEmail(email)
	if !ok {
		return nil, false
	}
	u := &s.d.Users[i]
	return u.IsAdmin || s.delegate[u.ID], true
}

// issuedToken is an access token of the fake's issuer.
type issuedToken = fakeauth.Token

// isAdmin reports whether a token's subject was an admin when it was issued.
func isAdmin(t *issuedToken) bool {
	admin, _ := t.Info.(bool)
	return admin
}

// ExpireTokens makes every token issued so far expire now: the next API
// call with one is answered 401, as Google answers a token that lapsed
// while the client still believed it valid.
func (s *Server) ExpireTokens() { s.auth.ExpireTokens() }
