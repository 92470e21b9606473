package ldap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// reader is one Fetch: a connection opened on first use and reopened
// after a cut, and what it learned of the server.
type reader struct {
	c    *Connector
	emit func([]connectors.Person) error
	s    *session
	gen  int   // sessions opened so far; paging cookies belong to one
	ad   *bool // the root DSE says Active Directory; nil until read
}

func (r *reader) close() {
	if r.s != nil {
		r.s.Close()
		r.s = nil
	}
}

func (r *reader) session(ctx context.Context) (*session, error) {
	if r.s != nil {
		return r.s, nil
	}
	s, err := r.c.open(ctx)
	if err != nil {
		return nil, err
	}
	r.gen++
	s.gen = r.gen
	r.s = s
	return s, nil
}

// userFilter is the configured people filter, without disabled accounts
// when asked, and with extra conditions.
func (r *reader) userFilter(extra string) string {
	f := r.c.set.UserFilter
	if *r.c.set.ExcludeDisabled {
		f = "(&" + f + "(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
	}
	if extra != "" {
		f = "(&" + f + extra + ")"
	}
	return f
}

func (r *reader) unit(ctx context.Context, u unit) error {
	base, scope, filter := r.c.set.BaseDN, ldap.ScopeWholeSubtree, ""
	switch u.kind {
	case kindOU:
		base = u.arg
	case kindOUOneLevel:
		base, scope = u.arg, ldap.ScopeSingleLevel
	case kindGroup:
		filter = "(memberOf=" + ldap.EscapeFilter(u.arg) + ")"
	case kindFilter:
		filter = u.arg
		if !strings.HasPrefix(filter, "(") {
			filter = "(" + filter + ")"
		}
	case kindNestedGroup:
		chain, err := r.inChain(ctx)
		if err != nil {
			return err
		}
		if chain {
			filter = "(memberOf:1.2.840.113556.1.4.1941:=" + ldap.EscapeFilter(u.arg) + ")"
			break
		}
		groups, err := r.walkGroups(ctx, u.arg)
		if err != nil {
			return err
		}
		// One search per batch of groups keeps each filter a size every
		// server takes.
		for batch := range slices.Chunk(groups, 100) {
			var b strings.Builder
			b.WriteString("(|")
			for _, g := range batch {
				b.WriteString("(memberOf=" + ldap.EscapeFilter(g) + ")")
			}
			b.WriteString(")")
			if err := r.search(ctx, r.c.set.BaseDN, ldap.ScopeWholeSubtree, r.userFilter(b.String()), r.attrs(), func(es []*ldap.Entry) error {
				return r.emitEntries(es, u)
			}); err != nil {
				return err
			}
		}
		return nil
	}
	return r.search(ctx, base, scope, r.userFilter(filter), r.attrs(), func(es []*ldap.Entry) error {
		return r.emitEntries(es, u)
	})
}

func (r *reader) emitEntries(es []*ldap.Entry, u unit) error {
	if len(es) == 0 {
		return nil
	}
	page := make([]connectors.Person, 0, len(es))
	for _, e := range es {
		page = append(page, r.c.person(e, u))
	}
	return r.emit(page)
}

func (r *reader) attrs() []string {
	a := append([]string{}, r.c.set.Attributes.Email...)
	return append(a, r.c.set.Attributes.Name, r.c.set.Attributes.ExternalID, "givenName", "sn", "cn")
}

// inChain decides how nested groups are read.
func (r *reader) inChain(ctx context.Context) (bool, error) {
	switch r.c.set.NestedGroups {
	case "in-chain":
		return true, nil
	case "walk":
		return false, nil
	}
	if r.ad == nil {
		var dse *ldap.Entry
		err := r.retry(ctx, func(s *session) error {
			var err error
			dse, err = rootDSE(s)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("read the root DSE: %w", err)
		}
		ad := isAD(dse)
		r.ad = &ad
	}
	return *r.ad, nil
}

// walkGroups lists root and every group nested in it, breadth first,
// each once however the groups loop.
func (r *reader) walkGroups(ctx context.Context, root string) ([]string, error) {
	seen := map[string]bool{strings.ToLower(root): true}
	out, queue := []string{root}, []string{root}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		filter := "(&(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(memberOf=" + ldap.EscapeFilter(g) + "))"
		err := r.search(ctx, r.c.set.BaseDN, ldap.ScopeWholeSubtree, filter, []string{"1.1"}, func(es []*ldap.Entry) error {
			for _, e := range es {
				if k := strings.ToLower(e.DN); !seen[k] {
					seen[k] = true
					out = append(out, e.DN)
					queue = append(queue, e.DN)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("groups nested in %s: %w", g, err)
		}
	}
	return out, nil
}

// search runs one paged search, calling page for each page of entries.
// A page the server refuses for a passing reason is asked for again on
// the same connection; after a cut connection the search starts over on a
// new one (paging cookies belong to the connection), so a page may be
// seen twice: the planner folds repeated people.
func (r *reader) search(ctx context.Context, base string, scope int, filter string, attrs []string, page func([]*ldap.Entry) error) error {
	var cookie []byte
	cookieGen, restarts := 0, 0
	for {
		paging := ldap.NewControlPaging(uint32(r.c.set.PageSize))
		paging.SetCookie(cookie)
		req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, r.c.timeLimit(), false, filter, attrs,
			[]ldap.Control{paging})
		var res *ldap.SearchResult
		restarted := false
		err := r.retry(ctx, func(s *session) error {
			if len(cookie) > 0 && s.gen != cookieGen {
				restarted = true
				return nil
			}
			var err error
			res, err = s.conn.Search(req)
			r.c.up.Request(r.c.name, statusOf(err))
			if err == nil {
				cookieGen = s.gen
			}
			return err
		})
		if err != nil {
			return err
		}
		if restarted {
			// The cookie died with the connection: start the search again,
			// a bounded number of times.
			if restarts++; restarts >= r.c.set.Retry.MaxAttempts {
				return fmt.Errorf("the connection was cut %d times part way through paging", restarts)
			}
			cookie = nil
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(res.Referrals) > 0 {
			r.c.log.Debug("ldap: referrals ignored", "connector", r.c.name, "base", base, "count", len(res.Referrals))
		}
		if err := page(res.Entries); err != nil {
			return err
		}
		ctl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if ctl == nil || len(ctl.Cookie) == 0 {
			return nil
		}
		cookie = ctl.Cookie
	}
}

// retry runs op on a session, retrying what classify allows with backoff
// on the connector's clock, reopening the session after a cut.
func (r *reader) retry(ctx context.Context, op func(*session) error) error {
	start := r.c.clock.Now()
	for attempt := 1; ; attempt++ {
		s, err := r.session(ctx)
		if err == nil {
			err = op(s)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		retry, reason, reconnect := classify(err)
		if errors.Is(err, ErrCredentials) {
			retry = false
		}
		if reconnect {
			r.close()
		}
		if !retry {
			return err
		}
		delay := r.c.set.Retry.Backoff(attempt, r.c.jitter)
		if r.c.set.Retry.GiveUp(attempt, r.c.clock.Now().Sub(start), delay) {
			if reason == metrics.ReasonRateLimit {
				return fmt.Errorf("%w: gave up after %d attempts: %w", connectors.ErrRateLimited, attempt, err)
			}
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		r.c.up.Retry(r.c.name, reason)
		if err := r.c.clock.Sleep(ctx, delay); err != nil {
			return err
		}
	}
}
