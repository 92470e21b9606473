package oneroster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// CSVConnector reads a OneRoster CSV bundle from a local path.
type CSVConnector struct {
	name   string
	s      CSVSettings
	path   string
	log    *slog.Logger
	clock  Clock
	jitter func(int64) int64
	obs    connectors.UpstreamObserver
}

// NewCSV validates s and builds a bundle connector, without reading the
// bundle.
func NewCSV(s CSVSettings, opts connectors.OpenOptions, extra ...Option) (*CSVConnector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.withDefaults()
	o := buildOptions(extra)
	c := &CSVConnector{name: opts.Name, s: s, path: s.Path, log: opts.Logger, clock: o.clock, jitter: o.jitter,
		obs: connectors.Observe(opts.Upstream)}
	if !filepath.IsAbs(c.path) && opts.BaseDir != "" {
		c.path = filepath.Join(opts.BaseDir, c.path)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", opts.Name, "type", CSVType)
	return c, nil
}

func (c *CSVConnector) prefix() string { return fmt.Sprintf("%s %q", CSVType, c.name) }

// Name is the connector instance's name.
func (c *CSVConnector) Name() string { return c.name }

// read opens and validates the bundle, trying again after a wait while it
// cannot be opened at all (an upload under way).
func (c *CSVConnector) read(ctx context.Context) (*bundle, error) {
	start := c.clock.Now()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", c.prefix(), err)
		}
		b, err := readBundlePath(c.path)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, errUnreadable) {
			return nil, fmt.Errorf("%s: %w", c.prefix(), err)
		}
		delay := c.s.Retry.Backoff(attempt, c.jitter)
		if c.s.Retry.GiveUp(attempt, c.clock.Now().Sub(start), delay) {
			return nil, fmt.Errorf("%s: after %d attempts: %w", c.prefix(), attempt, err)
		}
		c.obs.Retry(c.name, metrics.ReasonOther)
		c.log.LogAttrs(ctx, slog.LevelInfo, "OneRoster bundle unreadable, trying again",
			slog.String("path", c.path), slog.String("error", err.Error()), slog.Duration("wait", delay))
		if err := c.clock.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("%s: %w", c.prefix(), err)
		}
	}
}

// Check reads and validates the bundle.
func (c *CSVConnector) Check(ctx context.Context) error {
	_, err := c.read(ctx)
	return err
}

// ValidateSelection checks the selection against the bundle: every org
// and class it names is in orgs.csv / classes.csv (or, when the bundle
// has none, in some enrollment) and not tobedeleted.
func (c *CSVConnector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := planFor(c.prefix(), sel, optOrgRoles)
	if err != nil {
		return err
	}
	b, err := c.read(ctx)
	if err != nil {
		return err
	}
	return c.checkUnits(b, p)
}

func (c *CSVConnector) checkUnits(b *bundle, p *plan) error {
	var errs []error
	check := func(kind, file string, known map[string]string, id string, inEnrollments func(*bundleEnrollment) bool) {
		if known != nil {
			switch st, ok := known[id]; {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: selection unit %q: %w: not in %s", c.prefix(), kind+id, ErrUnknownUnit, file))
			case st == statusToBeDeleted:
				errs = append(errs, fmt.Errorf("%s: selection unit %q: %w: %s marks it tobedeleted", c.prefix(), kind+id, ErrUnknownUnit, file))
			}
			return
		}
		for i := range b.enrollments {
			if inEnrollments(&b.enrollments[i]) {
				return
			}
		}
		errs = append(errs, fmt.Errorf("%s: selection unit %q: %w: the bundle has no %s and no enrollment names it", c.prefix(), kind+id, ErrUnknownUnit, file))
	}
	for _, id := range p.orgs {
		check(unitOrg, fileOrgs, b.orgs, id, func(e *bundleEnrollment) bool {
			return e.school == id || (p.orgRoles && slices.ContainsFunc(b.orgRoles, func(r bundleRole) bool { return r.org == id }))
		})
	}
	for _, id := range p.classes {
		check(unitClass, fileClasses, b.classes, id, func(e *bundleEnrollment) bool { return e.class == id })
	}
	return errors.Join(errs...)
}

// Fetch reads and validates the whole bundle, then emits the people of
// the selected schools and classes, each once with their strongest role.
// With include_org_roles, a school's people also include everyone holding
// a role there (roles.csv in 1.2, users.csv's role otherwise). A bundle
// with any problem is rejected before anything is emitted.
func (c *CSVConnector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := planFor(c.prefix(), sel, optOrgRoles)
	if err != nil {
		return err
	}
	b, err := c.read(ctx)
	if err != nil {
		return err
	}
	if err := c.checkUnits(b, p); err != nil {
		return err
	}
	orgs := setOf(p.orgs)
	classes := setOf(p.classes)
	now := c.clock.Now()
	members := fold{}
	for i := range b.enrollments {
		e := &b.enrollments[i]
		if e.status == statusToBeDeleted || ended(e.endDate, now) || b.classes[e.class] == statusToBeDeleted {
			continue
		}
		unit := ""
		switch {
		case classes[e.class]:
			unit = unitClass + e.class
		case orgs[e.school]:
			unit = unitOrg + e.school
		default:
			continue
		}
		if role, ok := p.role(e.role); ok {
			members.add(e.user, role, unit)
		}
	}
	if p.orgRoles {
		c.log.LogAttrs(ctx, slog.LevelDebug, "OneRoster org roles taken", slog.String("from", b.rolesFrom),
			slog.Int("roles", len(b.orgRoles)))
		c.addOrgRoles(b, p, orgs, now, members)
	}
	fallback := *c.s.EmailFromUsername
	page := make([]connectors.Person, 0, min(c.s.PageSize, len(members)))
	for i := range b.users {
		u := &b.users[i]
		m, ok := members[u.id]
		if !ok || u.status == statusToBeDeleted || !u.enabled {
			continue
		}
		page = append(page, person(u.id, u.email, u.username, u.given, u.family, fallback, m.role, m.unit))
		if len(page) >= c.s.PageSize {
			if err := c.emitPage(ctx, emit, page); err != nil {
				return err
			}
			page = make([]connectors.Person, 0, c.s.PageSize)
		}
	}
	return c.emitPage(ctx, emit, page)
}

// addOrgRoles adds, for include_org_roles, everyone holding a role at a
// selected org: roles.csv's rows (1.2) or users.csv's role at each of
// the user's orgSourcedIds (1.1). Roles tobedeleted or past their
// endDate, and roles the plan leaves out (guardian, parent and relative
// unless mapped), bring nobody in; the strongest of a person's
// enrollment and org roles wins.
func (c *CSVConnector) addOrgRoles(b *bundle, p *plan, orgs map[string]bool, now time.Time, members fold) {
	for i := range b.orgRoles {
		r := &b.orgRoles[i]
		if !orgs[r.org] || r.status == statusToBeDeleted || ended(r.endDate, now) {
			continue
		}
		if role, ok := p.role(r.role); ok {
			members.add(r.user, role, unitOrg+r.org)
		}
	}
}

func (c *CSVConnector) emitPage(ctx context.Context, emit func([]connectors.Person) error, page []connectors.Person) error {
	if len(page) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", c.prefix(), err)
	}
	if err := emit(page); err != nil {
		return fmt.Errorf("%s: %w", c.prefix(), err)
	}
	return nil
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// BaseURL is where the bundle is read from, shown as the license's LMS.
func (c *CSVConnector) BaseURL() string { return "file://" + c.path }
