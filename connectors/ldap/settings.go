package ldap

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// Type is the connector type name in the config file.
const Type = "ldap"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Flavors: which directory the attribute defaults are for.
const (
	FlavorActiveDirectory = "active-directory"
	FlavorOpenLDAP        = "openldap"
)

// Defaults.
const (
	// DefaultPageSize is what the connector asks for; servers answer at
	// most their own limit (AD MaxPageSize 1000, OpenLDAP sizelimit 500),
	// and paging follows what they send.
	DefaultPageSize = 500
	MaxPageSize     = 10_000
	DefaultTimeout  = 30 * time.Second
)

// Settings are an `ldap` connector's `settings:` block.
type Settings struct {
	// URL is ldaps://host:636 or ldap://host:389.
	URL string `yaml:"url"`
	// StartTLS upgrades an ldap:// connection before binding.
	StartTLS bool `yaml:"start_tls"`
	// CAFile is the PEM bundle the server's certificate is checked
	// against; empty: the system's roots.
	CAFile string `yaml:"ca_file"`
	// ServerName is the name the certificate must carry; empty: the URL's host.
	ServerName string `yaml:"server_name"`
	// Insecure allows a plain ldap:// connection without StartTLS, which
	// sends the bind password in the clear: for a directory on the same
	// host or a lab only. Certificate checks are never skipped.
	Insecure bool `yaml:"insecure"`
	// BindDN and BindPassword are the service account's.
	BindDN       string        `yaml:"bind_dn"`
	BindPassword config.Secret `yaml:"bind_password"`
	// BaseDN bounds filter: units and the nested-group walk.
	BaseDN string `yaml:"base_dn"`
	// Flavor picks the attribute defaults: active-directory (default) or openldap.
	Flavor string `yaml:"flavor"`
	// UserFilter selects people; default (&(objectCategory=person)(objectClass=user))
	// for AD, (objectClass=inetOrgPerson) for OpenLDAP.
	UserFilter string `yaml:"user_filter"`
	// Attributes name where each field comes from.
	Attributes Attributes `yaml:"attributes"`
	// ExcludeDisabled leaves out AD accounts with ACCOUNTDISABLE set.
	// Default true for AD; OpenLDAP has no such attribute.
	ExcludeDisabled *bool `yaml:"exclude_disabled"`
	// NestedGroups: auto (default: the in-chain rule on AD, a walk
	// elsewhere), in-chain, or walk.
	NestedGroups string          `yaml:"nested_groups"`
	PageSize     int             `yaml:"page_size"`
	Timeout      time.Duration   `yaml:"timeout"`
	Retry        httpretry.Retry `yaml:"retry"`
}

// Attributes map person fields to directory attributes.
type Attributes struct {
	// Email lists attributes tried in order; default [mail, userPrincipalName]
	// for AD (many districts make the UPN the mail address), [mail] for OpenLDAP.
	Email []string `yaml:"email"`
	// Name: default displayName, then givenName + sn, then cn.
	Name string `yaml:"name"`
	// ExternalID: default objectGUID (AD) or entryUUID (OpenLDAP).
	ExternalID string `yaml:"external_id"`
}

func (s Settings) withDefaults() Settings {
	if s.Flavor == "" {
		s.Flavor = FlavorActiveDirectory
	}
	ad := s.Flavor == FlavorActiveDirectory
	if s.UserFilter == "" {
		if ad {
			s.UserFilter = "(&(objectCategory=person)(objectClass=user))"
		} else {
			s.UserFilter = "(objectClass=inetOrgPerson)"
		}
	}
	if len(s.Attributes.Email) == 0 {
		if ad {
			s.Attributes.Email = []string{"mail", "userPrincipalName"}
		} else {
			s.Attributes.Email = []string{"mail"}
		}
	}
	if s.Attributes.Name == "" {
		s.Attributes.Name = "displayName"
	}
	if s.Attributes.ExternalID == "" {
		if ad {
			s.Attributes.ExternalID = "objectGUID"
		} else {
			s.Attributes.ExternalID = "entryUUID"
		}
	}
	if s.ExcludeDisabled == nil {
		v := ad
		s.ExcludeDisabled = &v
	}
	if s.NestedGroups == "" {
		s.NestedGroups = "auto"
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Validate checks the settings without touching the network, naming every
// bad field.
func (s *Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("settings.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		bad("url", "is required, e.g. ldaps://dc1.district.org:636")
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "":
		bad("url", "%q: want ldaps://host[:port] or ldap://host[:port]", s.URL)
	case u.Scheme == "ldaps" && s.StartTLS:
		bad("start_tls", "is for ldap:// URLs; %q is already TLS", s.URL)
	case u.Scheme == "ldap" && !s.StartTLS && !s.Insecure:
		bad("url", "%q would send the bind password in the clear: use ldaps://, or start_tls: true, or (lab only) insecure: true", s.URL)
	}
	if s.BindDN == "" {
		bad("bind_dn", "is required: the service account's DN, e.g. CN=rollcall,OU=Service Accounts,DC=district,DC=org")
	} else if _, err := ldap.ParseDN(s.BindDN); err != nil {
		bad("bind_dn", "%q is not a DN: %v", s.BindDN, err)
	}
	if s.BindPassword == "" {
		bad("bind_password", "is required (use ${LDAP_PASSWORD} to keep it out of the file)")
	}
	if s.BaseDN == "" {
		bad("base_dn", "is required, e.g. DC=district,DC=org")
	} else if _, err := ldap.ParseDN(s.BaseDN); err != nil {
		bad("base_dn", "%q is not a DN: %v", s.BaseDN, err)
	}
	switch s.Flavor {
	case "", FlavorActiveDirectory, FlavorOpenLDAP:
	default:
		bad("flavor", "%q: want active-directory or openldap", s.Flavor)
	}
	if s.UserFilter != "" {
		if _, err := ldap.CompileFilter(s.UserFilter); err != nil {
			bad("user_filter", "%q: %v", s.UserFilter, err)
		}
	}
	switch s.NestedGroups {
	case "", "auto", "in-chain", "walk":
	default:
		bad("nested_groups", "%q: want auto, in-chain or walk", s.NestedGroups)
	}
	if s.PageSize < 0 || s.PageSize > MaxPageSize {
		bad("page_size", "%d: must be between 1 and %d", s.PageSize, MaxPageSize)
	}
	if s.Timeout < 0 {
		bad("timeout", "%s must be positive", s.Timeout)
	}
	errs = append(errs, s.Retry.Validate()...)
	return errors.Join(errs...)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	set := s.withDefaults()
	if set.CAFile != "" && !filepath.IsAbs(set.CAFile) && opts.BaseDir != "" {
		set.CAFile = filepath.Join(opts.BaseDir, set.CAFile)
	}
	return New(set, opts)
}

// hostOf is the URL's host without the port, for the TLS server name.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Hostname(), ".")
}
