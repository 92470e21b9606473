package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
	"github.com/rollcall-sync/rollcall/license"
)

// MediaTypeMembership is NRPS 2.0's membership container.
const MediaTypeMembership = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"

// container is the part of an NRPS answer the connector reads.
type container struct {
	ID      string `json:"id"`
	Context struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"context"`
	Members []member `json:"members"`
}

type member struct {
	Status     string   `json:"status"`
	UserID     string   `json:"user_id"`
	Name       string   `json:"name"`
	GivenName  string   `json:"given_name"`
	FamilyName string   `json:"family_name"`
	Email      string   `json:"email"`
	Roles      []string `json:"roles"`
}

// classify is httpretry.Standard plus Canvas's 403 "Rate Limit Exceeded",
// which Canvas answers on its NRPS endpoint as on the rest of its API.
func classify(resp *http.Response, err error, now time.Time) (bool, string, time.Duration) {
	retry, reason, wait := httpretry.Standard(resp, err, now)
	if !retry && err == nil && throttled(resp.StatusCode, httpretry.Peek(resp)) {
		retry, reason = true, metrics.ReasonRateLimit
		wait = httpretry.RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return retry, reason, min(wait, 10*time.Minute)
}

func throttled(code int, body []byte) bool {
	return code == http.StatusForbidden && bytes.Contains(bytes.ToLower(body), []byte("rate limit exceeded"))
}

// Fetch reads the roster of every unit of the selection.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	if len(sel.Units) == 0 {
		return fmt.Errorf("%s: the selection names no unit (want context:<id> or memberships:<url>)", c.prefix())
	}
	roles, err := c.roleMap(sel)
	if err != nil {
		return err
	}
	type target struct{ unit, url string }
	var targets []target
	for _, u := range sel.Units {
		raw, err := c.rosterURL(u)
		if err != nil {
			return err
		}
		targets = append(targets, target{u, raw})
	}
	for _, t := range targets {
		if err := c.roster(ctx, t.unit, t.url, roles, emit); err != nil {
			return err
		}
	}
	return nil
}

// ValidateSelection checks units and roles offline; a context must have
// been launched.
func (c *Connector) ValidateSelection(_ context.Context, sel connectors.Selection) error {
	if _, err := c.roleMap(sel); err != nil {
		return err
	}
	for _, u := range sel.Units {
		if _, err := c.rosterURL(u); err != nil {
			return err
		}
	}
	return nil
}

// rosterURL turns a unit into the roster URL it reads.
func (c *Connector) rosterURL(unit string) (string, error) {
	kind, rest, _ := strings.Cut(strings.TrimSpace(unit), ":")
	switch kind {
	case "memberships":
		u, err := url.Parse(rest)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("%s: unit %q: the roster URL must be an absolute http(s) URL: %w", c.prefix(), unit, ErrBadUnit)
		}
		return rest, nil
	case "context":
		if rest == "" {
			return "", fmt.Errorf("%s: unit %q: %w", c.prefix(), unit, ErrBadUnit)
		}
		ctx, ok := c.contexts.lookup(rest)
		if !ok || ctx.MembershipsURL == "" {
			return "", fmt.Errorf("%s: unit %q: %w (launch the tool in the course once, or use memberships:<url>)", c.prefix(), unit, ErrUnknownContext)
		}
		return ctx.MembershipsURL, nil
	}
	return "", fmt.Errorf("%s: unit %q: %w", c.prefix(), unit, ErrBadUnit)
}

// shortRole reduces an LIS context role URI to its short name:
// membership#Learner and Learner are Learner, membership/Instructor#TeachingAssistant
// and Instructor#TeachingAssistant are TeachingAssistant, LTI 1.1's
// urn:lti:role:ims/lis/Learner is Learner. Institution and system roles
// are not context roles and come back empty.
func shortRole(r string) string {
	r = strings.TrimSpace(r)
	switch {
	case strings.HasPrefix(r, "http://purl.imsglobal.org/vocab/lis/v2/membership/"):
		r = strings.TrimPrefix(r, "http://purl.imsglobal.org/vocab/lis/v2/membership/")
	case strings.HasPrefix(r, "http://purl.imsglobal.org/vocab/lis/v2/membership#"):
		r = strings.TrimPrefix(r, "http://purl.imsglobal.org/vocab/lis/v2/membership#")
	case strings.HasPrefix(r, "urn:lti:role:ims/lis/"):
		r = strings.TrimPrefix(r, "urn:lti:role:ims/lis/")
	case strings.Contains(r, "://") || strings.HasPrefix(r, "urn:"):
		return "" // institution, system or another vocabulary
	}
	if _, sub, ok := strings.Cut(r, "#"); ok {
		r = sub // a sub-role (Instructor#TeachingAssistant) names itself
	}
	if _, sub, ok := strings.Cut(r, "/"); ok {
		r = sub
	}
	return r
}

// roleMap is the defaults with the selection's keys over them.
func (c *Connector) roleMap(sel connectors.Selection) (map[string]license.Role, error) {
	out := map[string]license.Role{}
	for k, v := range roleDefaults {
		out[k] = v
	}
	for k, v := range sel.Roles {
		if !v.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, v)
		}
		out[shortRole(k)] = v
	}
	return out, nil
}

// memberRole is the strongest mapped role of a member; ok is false when
// none of the member's roles is mapped (a Mentor, an Administrator).
func memberRole(m *member, roles map[string]license.Role) (license.Role, bool) {
	var best license.Role
	ok := false
	for _, r := range m.Roles {
		if mapped, found := roles[shortRole(r)]; found && (!ok || mapped.Rank() > best.Rank()) {
			best, ok = mapped, true
		}
	}
	return best, ok
}

// active: no status means Active (NRPS 2.0).
func active(m *member) bool {
	s := strings.TrimSpace(m.Status)
	return s == "" || strings.EqualFold(s, "Active")
}

// roster pages one membership container.
func (c *Connector) roster(ctx context.Context, unit, raw string, roles map[string]license.Role, emit func([]connectors.Person) error) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), unit, err)
	}
	if q := u.Query(); q.Get("limit") == "" {
		q.Set("limit", strconv.Itoa(c.s.PageSize))
		u.RawQuery = q.Encode()
	}
	next := u.String()
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		seen[next] = true
		call := fmt.Sprintf("roster of %s, page %d", unit, n)
		body, hdr, err := c.get(ctx, call, next)
		if err != nil {
			return err
		}
		var page container
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("%s: %s: not a membership container: %w", c.prefix(), call, err)
		}
		people := make([]connectors.Person, 0, len(page.Members))
		for i := range page.Members {
			m := &page.Members[i]
			if !active(m) {
				continue
			}
			role, ok := memberRole(m, roles)
			if !ok {
				continue
			}
			name := strings.TrimSpace(m.Name)
			if name == "" {
				name = strings.TrimSpace(m.GivenName + " " + m.FamilyName)
			}
			people = append(people, connectors.Person{ExternalID: m.UserID, Email: strings.TrimSpace(m.Email), Name: name,
				Role: role, OrgUnit: unit})
		}
		if len(people) > 0 {
			if err := emit(people); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		next = nextLink(hdr.Values("Link"))
		if next != "" {
			nu, err := u.Parse(next)
			if err != nil {
				return fmt.Errorf("%s: %s: next link %q: %w", c.prefix(), call, next, err)
			}
			next = nu.String()
			if seen[next] {
				return fmt.Errorf("%s: %s: next link %q leads back to a page already read", c.prefix(), call, next)
			}
		}
	}
	return nil
}

// get fetches one NRPS page with the access token, renewing it once when
// the platform no longer takes it.
func (c *Connector) get(ctx context.Context, call, raw string) ([]byte, http.Header, error) {
	renewed := false
	for {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", MediaTypeMembership)
		resp, err := c.http.Do(req)
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
		}
		if err != nil {
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return nil, nil, &APIError{Connector: c.name, Call: call, Err: err}
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, nil, &APIError{Connector: c.name, Call: call, Err: err}
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return body, resp.Header, nil
		}
		if resp.StatusCode == http.StatusUnauthorized && !renewed {
			renewed = true
			c.dropToken(tok)
			continue
		}
		_, msg := platformMessage(resp.StatusCode, body, resp.Header.Get("Content-Type"))
		return nil, nil, &APIError{Connector: c.name, Call: call, Code: resp.StatusCode, Message: msg,
			RateLimited: resp.StatusCode == http.StatusTooManyRequests || throttled(resp.StatusCode, body)}
	}
}
