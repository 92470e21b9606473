package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/query"
)

// listOptions is license {id} and the listing of its members the caller
// asks for: q, sort, cursor and limit, with the filter bounded by what
// the caller may see.
func (s *server) listOptions(r *http.Request) (string, license.ListOptions, error) {
	p, err := principal(r)
	if err != nil {
		return "", license.ListOptions{}, err
	}
	id := r.PathValue("id")
	opts, err := s.memberListing(r, p, id)
	return id, opts, err
}

// memberListing reads q, sort, cursor and limit, and bounds the filter by
// what p may see.
func (s *server) memberListing(r *http.Request, p auth.Principal, id string) (license.ListOptions, error) {
	scope, err := s.az.MemberScope(r.Context(), p, id)
	if err != nil {
		return license.ListOptions{}, err
	}
	v := r.URL.Query()
	q, err := query.Parse(v.Get("q"))
	if err != nil {
		return license.ListOptions{}, err
	}
	var f license.Filter
	if !q.Empty() {
		f = q
	}
	opts := license.ListOptions{Filter: auth.And(scope, f), Cursor: v.Get("cursor")}
	if opts.Sort, opts.Desc, err = license.ParseSort(v.Get("sort")); err != nil {
		return opts, err
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return opts, &license.FieldError{Field: "limit", Value: l, Reason: "must be a whole number from 1 to 1000"}
		}
		opts.Limit = n
	}
	return opts, nil
}

func (s *server) listMembers(w http.ResponseWriter, r *http.Request) error {
	id, opts, err := s.listOptions(r)
	if err != nil {
		return err
	}
	page, err := s.store.ListMembers(r.Context(), id, opts)
	if err != nil {
		return err
	}
	if page.Members == nil {
		page.Members = []license.Member{}
	}
	writeJSON(w, 200, page)
	return nil
}

// emailPath reads and normalizes {email}.
func emailPath(r *http.Request) (string, error) {
	return license.NormalizeEmail(r.PathValue("email"))
}

func (s *server) getMember(w http.ResponseWriter, r *http.Request) error {
	_, id, e, err := s.pathMember(r, s.az.CanReadMember)
	if err != nil {
		return err
	}
	m, err := s.store.Member(r.Context(), id, e)
	return answer(w, m, err)
}

func (s *server) memberHistory(w http.ResponseWriter, r *http.Request) error {
	_, id, e, err := s.pathMember(r, s.az.CanReadMember)
	if err != nil {
		return err
	}
	evs, err := s.store.Events(r.Context(), id, license.EventQuery{Email: e})
	return answer(w, map[string]any{"email": e, "events": orEmpty(evs)}, err)
}

// emailProblem is one bad address of an add.
type emailProblem struct {
	Index  int    `json:"index"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// maxAddEmails bounds one add; larger lists go through CSV import.
const maxAddEmails = 10000

func (s *server) addMembers(w http.ResponseWriter, r *http.Request) error {
	p, id, g, err := s.grantedLicense(r)
	if err != nil {
		return err
	}
	var in struct {
		Emails []string     `json:"emails"`
		Role   license.Role `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	role, err := license.ParseRole(string(in.Role))
	if err != nil {
		return err
	}
	if len(in.Emails) == 0 || len(in.Emails) > maxAddEmails {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "emails", Message: fmt.Sprintf("give 1 to %d email addresses", maxAddEmails)}
	}
	var bad, outside []emailProblem
	changes := make([]license.Change, 0, len(in.Emails))
	for i, raw := range in.Emails {
		e, err := license.NormalizeEmail(raw)
		switch {
		case err != nil:
			bad = append(bad, emailProblem{i, clipValue(raw), reasonOf(err)})
		case !g.Covers(e):
			outside = append(outside, emailProblem{i, raw, "is not in a domain you administer on this license"})
		default:
			changes = append(changes, license.Change{Op: license.OpUpsert, Email: e, Source: license.SourceManual, Role: role})
		}
	}
	if len(bad) > 0 {
		return &apiError{Status: 400, Code: CodeInvalidEmails, Field: "emails", Details: bad,
			Message: fmt.Sprintf("%d of %d addresses cannot be added; nothing was added", len(bad), len(in.Emails))}
	}
	// Well-formed addresses the caller may not manage: the request is
	// understood but not allowed (403, as auth.CanManageMember answers).
	if len(outside) > 0 {
		return &apiError{Status: 403, Code: CodeForbidden, Field: "emails", Details: outside,
			Message: fmt.Sprintf("%d of %d addresses are outside the domains you administer on this license; nothing was added", len(outside), len(in.Emails))}
	}
	res, err := s.store.Apply(r.Context(), id, changes, license.ApplyOptions{Actor: actor(p), Now: s.now(), Atomic: true, AllOrNothingSeats: true})
	return answer(w, res, err)
}

// adminKinds are the claims an admin makes and so may take away; syncs
// and domain-wide deployments keep theirs.
var adminKinds = []string{"manual", "csv", "key"}

func (s *server) removeMember(w http.ResponseWriter, r *http.Request) error {
	p, id, e, err := s.pathMember(r, s.az.CanManageMember)
	if err != nil {
		return err
	}
	m, err := s.store.Member(r.Context(), id, e)
	if errors.Is(err, license.ErrNotFound) {
		return fmt.Errorf("%s is not on license %s: %w", e, id, license.ErrNotFound)
	}
	if err != nil {
		return err
	}
	var changes []license.Change
	kept := []license.Source{}
	for _, c := range m.Claims {
		if slices.Contains(adminKinds, c.Source.Kind()) {
			changes = append(changes, license.Change{Op: license.OpRemove, Email: e, Source: c.Source})
		} else {
			kept = append(kept, c.Source)
		}
	}
	res, err := s.store.Apply(r.Context(), id, changes, license.ApplyOptions{Actor: actor(p), Now: s.now(), Atomic: true})
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"result": res, "removed": len(kept) == 0, "kept_by": kept})
	return nil
}

// reasonOf is a validation error's reason without the field and value,
// which the problem lists on its own.
func reasonOf(err error) string {
	var fe *license.FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return "is not a valid address"
}

// clipValue shortens a bad value for an error body and makes it valid
// UTF-8, so the JSON answer shows the bytes as they came.
func clipValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
