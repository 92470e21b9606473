package googledirectory

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
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
}

// Retry bounds the retries of one API call.
type Retry struct {
	MaxAttempts int           `yaml:"max_attempts"` // default 6, including the first
	MaxElapsed  time.Duration `yaml:"max_elapsed"`  // default 2m, from the first attempt
	BaseDelay   time.Duration `yaml:"base_delay"`   // default 500ms, doubled per attempt
}

// Defaults.
const (
	DefaultCustomer    = "my_customer"
	DefaultMaxResults  = 500
	DefaultMaxAttempts = 6
	DefaultMaxElapsed  = 2 * time.Minute
	DefaultBaseDelay   = 500 * time.Millisecond
	// maxDelay caps one backoff sleep (Retry-After may ask for longer,
	// bounded by MaxElapsed).
	maxDelay = 30 * time.Second
)

// withDefaults returns s with zero values replaced by defaults.
func (s Settings) withDefaults() Settings {
	if s.Customer == "" {
		s.Customer = DefaultCustomer
	}
	if s.MaxResults == 0 {
		s.MaxResults = DefaultMaxResults
	}
	if s.Retry.MaxAttempts == 0 {
		s.Retry.MaxAttempts = DefaultMaxAttempts
	}
	if s.Retry.MaxElapsed == 0 {
		s.Retry.MaxElapsed = DefaultMaxElapsed
	}
	if s.Retry.BaseDelay == 0 {
		s.Retry.BaseDelay = DefaultBaseDelay
	}
	return s
}

// Validate checks the settings without touching the network or the disk,
// naming every bad field.
func (s *Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("settings.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch {
	case s.UseApplicationDefault && s.CredentialsFile != "":
		bad("credentials_file", "set together with use_application_default: choose one")
	case !s.UseApplicationDefault && s.CredentialsFile == "":
		bad("credentials_file", "is required (or set use_application_default: true)")
	}
	if s.Subject == "" {
		bad("subject", "is required: the Google admin the service account impersonates")
	} else if a, err := mail.ParseAddress(s.Subject); err != nil || a.Address != s.Subject {
		bad("subject", "%q is not an email address", s.Subject)
	}
	if s.Customer != "" && s.Customer != DefaultCustomer && !validCustomerID(s.Customer) {
		bad("customer", "%q must be my_customer or a customer id such as C01abc23d", s.Customer)
	}
	for _, f := range [][2]string{{"endpoint", s.Endpoint}, {"token_url", s.TokenURL}} {
		field, v := f[0], f[1]
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(field, "%q is not an http(s) URL", v)
		}
	}
	if s.MaxResults < 0 || s.MaxResults > 500 {
		bad("max_results", "%d must be 1-500 (Google's limit)", s.MaxResults)
	}
	if s.Retry.MaxAttempts < 0 {
		bad("retry.max_attempts", "%d must be at least 1", s.Retry.MaxAttempts)
	}
	if s.Retry.MaxElapsed < 0 {
		bad("retry.max_elapsed", "%s must be positive", s.Retry.MaxElapsed)
	}
	if s.Retry.BaseDelay < 0 {
		bad("retry.base_delay", "%s must be positive", s.Retry.BaseDelay)
	}
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
