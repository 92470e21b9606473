package httpapi

import (
	"context"
	"net/http"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// The routes below act on what their path names: a license {id}, a
// member {email} of it, a deployment {name} or a held plan {id}. Each
// helper here reads the caller, finds the target and checks the caller's
// right to it, in the order the API's answers depend on: who calls
// (401), then whether the caller may (403 or, for what they may not even
// see, 404), then the rest.

// visibleGrants is the caller's grant on every license they may read.
func (s *server) visibleGrants(r *http.Request) ([]auth.Grant, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	return s.az.VisibleGrants(r.Context(), p)
}

// grantedLicense is the caller and their grant on license {id}; a license
// they may not read is ErrNotFound.
func (s *server) grantedLicense(r *http.Request) (auth.Principal, string, auth.Grant, error) {
	p, err := principal(r)
	if err != nil {
		return p, "", auth.Grant{}, err
	}
	id := r.PathValue("id")
	g, err := s.az.Grant(r.Context(), p, id)
	return p, id, g, err
}

// managedLicense is the caller and license {id}, which they must manage.
func (s *server) managedLicense(r *http.Request) (auth.Principal, string, error) {
	p, err := principal(r)
	if err != nil {
		return p, "", err
	}
	id := r.PathValue("id")
	return p, id, s.az.CanManageLicense(r.Context(), p, id)
}

// memberCheck is the Authorizer's check on one member, reading it
// (CanReadMember) or managing it (CanManageMember).
type memberCheck func(ctx context.Context, p auth.Principal, id, email string) error

// pathMember is the caller, license {id}, which they must be able to
// read, and its member {email}, normalized, which they must pass check on.
func (s *server) pathMember(r *http.Request, check memberCheck) (p auth.Principal, id, email string, err error) {
	if p, err = principal(r); err != nil {
		return p, "", "", err
	}
	id = r.PathValue("id")
	if err := s.az.CanReadLicense(r.Context(), p, id); err != nil {
		return p, id, "", err
	}
	if email, err = emailPath(r); err != nil {
		return p, id, "", err
	}
	return p, id, email, check(r.Context(), p, id, email)
}

// pathDeployment is the caller and deployment {name}, whose license they
// must manage.
func (s *server) pathDeployment(r *http.Request) (auth.Principal, license.DeploymentView, error) {
	p, err := principal(r)
	if err != nil {
		return p, license.DeploymentView{}, err
	}
	d, err := s.deployment(r, p, r.PathValue("name"))
	return p, d, err
}

// pathPlan is the caller and held plan {id}, whose license they must
// manage.
func (s *server) pathPlan(r *http.Request) (auth.Principal, license.PendingView, license.PlanView, error) {
	p, err := principal(r)
	if err != nil {
		return p, license.PendingView{}, license.PlanView{}, err
	}
	pv, plan, err := s.plan(r, p, r.PathValue("id"))
	return p, pv, plan, err
}
