package googledirectory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Type is the connector type name in the config file.
const Type = "google-directory"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a google-directory connector's `settings:` block.
type Settings struct {
	// CredentialsFile is the service account's JSON key, relative to the
	// config file's folder. Required unless UseApplicationDefault.
	CredentialsFile string `yaml:"credentials_file"`
	// Subject is the admin the service account impersonates.
	Subject string `yaml:"subject"`
	// Customer is "my_customer" (the default) or a customer id.
	Customer string `yaml:"customer"`
	// UseApplicationDefault finds credentials the way Google's libraries do
	// (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server) instead
	// of CredentialsFile, still impersonating Subject.
	UseApplicationDefault bool `yaml:"use_application_default"`
	// Endpoint overrides the API base URL (the fake, the demo, a proxy).
	Endpoint string `yaml:"endpoint"`
	// TokenURL overrides the key file's token_uri.
	TokenURL         string `yaml:"token_url"`
	IncludeSuspended bool   `yaml:"include_suspended"`
	IncludeArchived  bool   `yaml:"include_archived"`
	// MaxResults is users.list's page size: 1–500, default 500.
	MaxResults int   `yaml:"max_results"`
	Retry      Retry `yaml:"retry"`
	// QuotaPerMinute is the Directory API quota of the project and admin
	// the connector acts as: Google's default is 2,400 queries a minute
	// per user per project. Default 2,400.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute one read may spend; the
	// rest is headroom for the district's other tools on the same
	// project and admin. 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
	// Concurrency is how many users.list requests may be in flight at
	// once. 1 reads each org unit with one listing, page after page.
	// 1-32, default 10.
	Concurrency int `yaml:"concurrency"`
	// SplitByEmail lets a slow, large org unit be read as one listing per
	// first character of the primary email, side by side. Off by default:
	// Google's search has no "any other first character" form, so a user
	// whose email starts with a character the split does not cover (and
	// who is not in the unit's first pages) would be missed, and a missed
	// user loses their seat. Turn it on where usernames are plain ASCII
	// (or Latin-1) and a large unit must be read within minutes; org
	// units are read side by side either way.
	SplitByEmail bool `yaml:"split_by_email"`
}

// Retry bounds the retries of one API call.
type Retry = googleauth.Retry

// Defaults.
const (
	DefaultCustomer    = "my_customer"
	DefaultMaxResults  = 500
	DefaultMaxAttempts = googleauth.DefaultMaxAttempts
	DefaultMaxElapsed  = googleauth.DefaultMaxElapsed
	DefaultBaseDelay   = googleauth.DefaultBaseDelay
	// DefaultQuotaPerMinute is Google's documented default Directory API
	// quota (developers.google.com/admin-sdk/directory/v1/limits).
	DefaultQuotaPerMinute = ratelimit.GoogleDirectoryPerMinute
	DefaultQuotaPercent   = 95
	DefaultConcurrency    = 10
	// MaxConcurrency bounds Concurrency: Google answers 403 quotaExceeded
	// to "too many concurrent requests" without saying how many.
	MaxConcurrency = 32
)

// withDefaults returns s with zero values replaced by defaults.
func (s Settings) withDefaults() Settings {
	if s.Customer == "" {
		s.Customer = DefaultCustomer
	}
	if s.MaxResults == 0 {
		s.MaxResults = DefaultMaxResults
	}
	if s.QuotaPerMinute == 0 {
		s.QuotaPerMinute = DefaultQuotaPerMinute
	}
	if s.QuotaPercent == 0 {
		s.QuotaPercent = DefaultQuotaPercent
	}
	if s.Concurrency == 0 {
		s.Concurrency = DefaultConcurrency
	}
	s.Retry = googleauth.WithDefaults(s.Retry)
	return s
}

// Validate checks the settings without touching the network or the disk,
// naming every bad field.
func (s *Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("settings.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	errs = append(errs, googleauth.CheckDelegation(s.CredentialsFile, s.UseApplicationDefault, s.Subject)...)
	if s.Customer != "" && s.Customer != DefaultCustomer && !validCustomerID(s.Customer) {
		bad("customer", "%q must be my_customer or a customer id such as C01abc23d", s.Customer)
	}
	for _, err := range []error{googleauth.CheckURL("endpoint", s.Endpoint), googleauth.CheckURL("token_url", s.TokenURL)} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if s.MaxResults < 0 || s.MaxResults > 500 {
		bad("max_results", "%d must be 1-500 (Google's limit)", s.MaxResults)
	}
	if s.QuotaPerMinute < 0 || s.QuotaPerMinute > 1_000_000 {
		bad("quota_per_minute", "%d must be 1-1000000 (Google's default is %d)", s.QuotaPerMinute, DefaultQuotaPerMinute)
	}
	if s.QuotaPercent < 0 || s.QuotaPercent > 100 {
		bad("quota_percent", "%d must be 1-100", s.QuotaPercent)
	}
	if s.Concurrency < 0 || s.Concurrency > MaxConcurrency {
		bad("concurrency", "%d must be 1-%d", s.Concurrency, MaxConcurrency)
	}
	errs = append(errs, s.Retry.Validate()...)
	if len(errs) > 0 {
		return fmt.Errorf("%s connector: %w", Type, errors.Join(errs...))
	}
	return nil
}

func validCustomerID(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
}

// Open builds the connector without touching the network: it reads the key
// file (application default credentials are looked up at the first call).
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}
