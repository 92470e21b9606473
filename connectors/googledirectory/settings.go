package googledirectory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
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
type Retry = googleauth.Retry

// Defaults.
const (
	DefaultCustomer    = "my_customer"
	DefaultMaxResults  = 500
	DefaultMaxAttempts = googleauth.DefaultMaxAttempts
	DefaultMaxElapsed  = googleauth.DefaultMaxElapsed
	DefaultBaseDelay   = googleauth.DefaultBaseDelay
)

// withDefaults returns s with zero values replaced by defaults.
func (s Settings) withDefaults() Settings {
	if s.Customer == "" {
		s.Customer = DefaultCustomer
	}
	if s.MaxResults == 0 {
		s.MaxResults = DefaultMaxResults
	}
	s.Retry = s.Retry.WithDefaults()
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
