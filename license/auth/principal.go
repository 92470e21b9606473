package auth

import (
	"context"
	"fmt"
	"strings"
)

// Role is what a principal is allowed to be.
type Role string

// Roles.
const (
	RoleOperator    Role = "operator"
	RoleAdmin       Role = "admin"
	RoleApplication Role = "application"
)

// Roles lists every role.
var Roles = []Role{RoleOperator, RoleAdmin, RoleApplication}

// ParseRole accepts a role name in any case.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	switch r {
	case RoleOperator, RoleAdmin, RoleApplication:
		return r, nil
	}
	return "", fmt.Errorf("role %q: must be operator, admin or application: %w", s, ErrInvalid)
}

// How a principal signed in.
const (
	ViaToken   = "token"
	ViaSession = "session"
	ViaOIDC    = "oidc"
)

// Principal is who a request runs as. The zero Principal is anonymous.
type Principal struct {
	Email   string `json:"email"`
	Role    Role   `json:"role"`
	TokenID string `json:"token_id,omitempty"` // the API token behind it, if any
	Via     string `json:"via"`                // token, session or oidc
}

// Anonymous reports whether p is nobody.
func (p Principal) Anonymous() bool { return p.Role == "" }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of ctx, if one signed in.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && !p.Anonymous()
}

type authErrKey struct{}

// withAuthError records why the credentials a request carried were refused,
// so a handler answering 401 can say "token expired" rather than nothing.
func withAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrKey{}, err)
}

// AuthError returns why the request's credentials were refused, or nil when
// it carried none or they were good.
func AuthError(ctx context.Context) error {
	err, _ := ctx.Value(authErrKey{}).(error)
	return err
}
