package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// Connector reads one directory.
type Connector struct {
	set    Settings
	name   string
	log    *slog.Logger
	up     connectors.UpstreamObserver
	tls    *tls.Config
	clock  httpretry.Clock
	jitter func(int64) int64
}

// Option changes a Connector built by New, for tests.
type Option func(*Connector)

// WithClock replaces the clock the retries wait on.
func WithClock(c httpretry.Clock) Option { return func(o *Connector) { o.clock = c } }

// New builds a connector from settings with defaults applied.
func New(set Settings, opts connectors.OpenOptions, options ...Option) (*Connector, error) {
	cfg, err := tlsConfig(set)
	if err != nil {
		return nil, err
	}
	c := &Connector{set: set, name: opts.Name, log: opts.Logger, up: connectors.Observe(opts.Upstream), tls: cfg,
		clock: httpretry.RealClock{}, jitter: rand.Int64N}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, o := range options {
		o(c)
	}
	return c, nil
}

func (c *Connector) errorf(format string, args ...any) error {
	return fmt.Errorf("ldap connector %q: "+format, append([]any{c.name}, args...)...)
}

// Fetch reads every unit of the selection, a page at a time.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	units, err := parseUnits(sel)
	if err != nil {
		return c.errorf("%w", err)
	}
	r := &reader{c: c, emit: emit}
	defer r.close()
	for _, u := range units {
		if err := r.unit(ctx, u); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return c.errorf("%s: %w", u.raw, err)
		}
	}
	return nil
}

// Check binds and reads the root DSE: the credentials, the TLS setup and
// the address in one round trip.
func (c *Connector) Check(ctx context.Context) error {
	s, err := c.open(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.errorf("%w", err)
	}
	defer s.Close()
	if _, err := rootDSE(s); err != nil {
		return c.errorf("read the root DSE: %w", err)
	}
	return nil
}

// ValidateSelection checks that every DN a unit names exists and that the
// service account can see it.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	units, err := parseUnits(sel)
	if err != nil {
		return c.errorf("%w", err)
	}
	s, err := c.open(ctx)
	if err != nil {
		return c.errorf("%w", err)
	}
	defer s.Close()
	var errs []error
	for _, u := range units {
		if u.kind == kindFilter {
			continue
		}
		req := ldap.NewSearchRequest(u.arg, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, c.timeLimit(), false,
			"(objectClass=*)", []string{"objectClass"}, nil)
		if _, err := s.conn.Search(req); err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
				errs = append(errs, fmt.Errorf("unit %q: no entry %s in the directory (or the service account cannot see it)", u.raw, u.arg))
				continue
			}
			errs = append(errs, fmt.Errorf("unit %q: %w", u.raw, err))
		}
	}
	if len(errs) > 0 {
		return c.errorf("%w", errors.Join(errs...))
	}
	return nil
}

// adCapability is LDAP_CAP_ACTIVE_DIRECTORY_OID, which only AD lists in
// its root DSE's supportedCapabilities.
const adCapability = "1.2.840.113556.1.4.800"

func rootDSE(s *session) (*ldap.Entry, error) {
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 10, false,
		"(objectClass=*)", []string{"supportedCapabilities", "supportedControl", "namingContexts"}, nil)
	res, err := s.conn.Search(req)
	if err != nil {
		return nil, err
	}
	if len(res.Entries) == 0 {
		return nil, errors.New("no root DSE")
	}
	return res.Entries[0], nil
}

func isAD(dse *ldap.Entry) bool {
	return slices.Contains(dse.GetAttributeValues("supportedCapabilities"), adCapability)
}

// person turns an entry into a Person, role from its unit.
func (c *Connector) person(e *ldap.Entry, u unit) connectors.Person {
	p := connectors.Person{Role: u.role, OrgUnit: parentDN(e.DN)}
	for _, a := range c.set.Attributes.Email {
		if v := strings.TrimSpace(e.GetEqualFoldAttributeValue(a)); v != "" {
			p.Email = v
			break
		}
	}
	p.Name = strings.TrimSpace(e.GetEqualFoldAttributeValue(c.set.Attributes.Name))
	if p.Name == "" {
		p.Name = strings.TrimSpace(e.GetEqualFoldAttributeValue("givenName") + " " + e.GetEqualFoldAttributeValue("sn"))
	}
	if p.Name == "" {
		p.Name = e.GetEqualFoldAttributeValue("cn")
	}
	p.ExternalID = externalID(c.set.Attributes.ExternalID, e)
	if p.ExternalID == "" {
		p.ExternalID = e.DN
	}
	p.Attrs = map[string]string{"dn": e.DN}
	return p
}

func externalID(attr string, e *ldap.Entry) string {
	raw := e.GetEqualFoldRawAttributeValue(attr)
	if len(raw) == 0 {
		return ""
	}
	if strings.EqualFold(attr, "objectGUID") && len(raw) == 16 {
		return guidString(raw)
	}
	if !isText(raw) {
		return fmt.Sprintf("%x", raw)
	}
	return string(raw)
}

// guidString formats AD's objectGUID as AD shows it: the first three
// groups are stored little-endian (Windows' GUID structure).
func guidString(b []byte) string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}

func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func parentDN(dn string) string {
	d, err := ldap.ParseDN(dn)
	if err != nil || len(d.RDNs) < 2 {
		return ""
	}
	d.RDNs = d.RDNs[1:]
	return d.String()
}
