package oneroster

import (
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/settingscheck"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
)

// Connector type names in the config file.
const (
	Type    = "oneroster"
	CSVType = "oneroster-csv"
)

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
	connectors.Register(CSVType, func() connectors.Config { return &CSVSettings{} })
}

// OneRoster versions the REST connector speaks.
const (
	V11 = "1.1"
	V12 = "1.2"
)

// Settings are a `oneroster` (REST) connector's `settings:` block.
type Settings struct {
	// BaseURL is the service root, before /ims/oneroster/...
	BaseURL string `yaml:"base_url"`
	// Version is 1.1 (OAuth 1.0a signed requests) or 1.2 (OAuth 2 client
	// credentials).
	Version string `yaml:"version"`
	// 1.1: the consumer key and secret requests are signed with.
	ConsumerKey    string        `yaml:"consumer_key"`
	ConsumerSecret config.Secret `yaml:"consumer_secret"`
	// 1.2: the client credentials and the token endpoint.
	ClientID     string        `yaml:"client_id"`
	ClientSecret config.Secret `yaml:"client_secret"`
	TokenURL     string        `yaml:"token_url"`
	// Scopes asked of the token endpoint; default roster-core.readonly.
	Scopes []string `yaml:"scopes"`
	// Limit is the page size asked for; default 100 (the spec's default).
	// Servers may answer fewer; paging follows what they send.
	Limit int `yaml:"limit"`
	// EmailFromUsername uses username as the email when email is empty and
	// username is an email address. Default true.
	EmailFromUsername *bool `yaml:"email_from_username"`
	// IncrementalUsers reads only users changed since the last successful
	// Fetch (filter dateLastModified>'…'), keeping the rest in memory, and
	// reads them all again every FullRefresh. Only for servers that
	// support the filter; enrollments are always read whole.
	IncrementalUsers bool          `yaml:"incremental_users"`
	FullRefresh      time.Duration `yaml:"full_refresh"`
	Retry            Retry         `yaml:"retry"`
	// QuotaPerMinute caps the requests a minute; 0 (the default): not
	// paced. The OneRoster specifications (1EdTech, 1.1 and 1.2) set no
	// rate limit, leaving it to each server, which may answer 429; SIS
	// vendors set their own. Set the figure the district's server
	// documents.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends,
	// when it is set: 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the REST connector's quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute,
		Why: "OneRoster sets no rate limit: 0 leaves requests unpaced"}
}

// Defaults.
const (
	DefaultLimit       = 100
	MaxLimit           = 10_000
	DefaultMaxAttempts = httpretry.DefaultMaxAttempts
	DefaultMaxElapsed  = httpretry.DefaultMaxElapsed
	DefaultBaseDelay   = httpretry.DefaultBaseDelay
	DefaultFullRefresh = 24 * time.Hour
	// DefaultScope is the OneRoster 1.2 scope for reading rosters
	// without demographics.
	DefaultScope = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
)

func (s Settings) withDefaults() Settings {
	if s.Limit == 0 {
		s.Limit = DefaultLimit
	}
	if s.EmailFromUsername == nil {
		t := true
		s.EmailFromUsername = &t
	}
	if len(s.Scopes) == 0 {
		s.Scopes = []string{DefaultScope}
	}
	if s.FullRefresh == 0 {
		s.FullRefresh = DefaultFullRefresh
	}
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Validate checks the settings without touching the network, naming every
// bad field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL == "" {
		bad("base_url", "is required: the service root, e.g. https://sis.example.org")
	} else if !siteurl.IsHTTP(s.BaseURL) {
		bad("base_url", "%q is not an http(s) URL", s.BaseURL)
	} else if strings.Contains(s.BaseURL, "/ims/oneroster") {
		bad("base_url", "%q: give the root before /ims/oneroster/...; the connector adds the version's path", s.BaseURL)
	}
	switch s.Version {
	case V11:
		if s.ConsumerKey == "" {
			bad("consumer_key", "is required for OneRoster 1.1 (OAuth 1.0a)")
		}
		if s.ConsumerSecret == "" {
			bad("consumer_secret", "is required for OneRoster 1.1 (OAuth 1.0a)")
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"client_id", s.ClientID != ""}, {"client_secret", s.ClientSecret != ""}, {"token_url", s.TokenURL != ""}} {
			if f.set {
				bad(f.name, "is for OneRoster 1.2; version 1.1 signs requests with consumer_key and consumer_secret")
			}
		}
	case V12:
		if s.ClientID == "" {
			bad("client_id", "is required for OneRoster 1.2 (OAuth 2 client credentials)")
		}
		if s.ClientSecret == "" {
			bad("client_secret", "is required for OneRoster 1.2 (OAuth 2 client credentials)")
		}
		if s.TokenURL == "" {
			bad("token_url", "is required for OneRoster 1.2 (OAuth 2 client credentials)")
		} else if !siteurl.IsHTTP(s.TokenURL) {
			bad("token_url", "%q is not an http(s) URL", s.TokenURL)
		}
		if s.ConsumerKey != "" || s.ConsumerSecret != "" {
			bad("consumer_key", "is for OneRoster 1.1; version 1.2 uses client_id, client_secret and token_url")
		}
	case "":
		bad("version", "is required: 1.1 or 1.2")
	default:
		bad("version", "%q must be 1.1 or 1.2", s.Version)
	}
	if s.Limit < 0 || s.Limit > MaxLimit {
		bad("limit", "%d must be 1-%d (0 or unset: %d)", s.Limit, MaxLimit, DefaultLimit)
	}
	if s.FullRefresh < 0 {
		bad("full_refresh", "%s must be positive", s.FullRefresh)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

// CSVSettings are a `oneroster-csv` connector's `settings:` block.
type CSVSettings struct {
	// Path is a .zip bundle or a folder holding manifest.csv and the data
	// files, relative to the config file's folder. Read afresh each Fetch.
	Path string `yaml:"path"`
	// PageSize is how many people one emitted page holds; default 1000.
	PageSize          int   `yaml:"page_size"`
	EmailFromUsername *bool `yaml:"email_from_username"`
	// Retry applies to a bundle that cannot be opened (a zip still being
	// uploaded, a file vanishing mid-read); a bundle that is wrong fails
	// at once.
	Retry Retry `yaml:"retry"`
}

// CSV defaults.
const (
	DefaultCSVPageSize    = 1000
	maxCSVPageSize        = 100_000
	DefaultCSVMaxAttempts = 4
	DefaultCSVMaxElapsed  = 10 * time.Minute
	DefaultCSVBaseDelay   = 15 * time.Second
)

func (s CSVSettings) withDefaults() CSVSettings {
	if s.PageSize == 0 {
		s.PageSize = DefaultCSVPageSize
	}
	if s.EmailFromUsername == nil {
		t := true
		s.EmailFromUsername = &t
	}
	s.Retry = s.Retry.Or(Retry{MaxAttempts: DefaultCSVMaxAttempts, MaxElapsed: DefaultCSVMaxElapsed, BaseDelay: DefaultCSVBaseDelay})
	return s
}

// Validate checks the settings without reading the bundle.
func (s *CSVSettings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if strings.TrimSpace(s.Path) == "" {
		bad("path", "is required: a OneRoster CSV bundle (.zip) or a folder holding manifest.csv")
	}
	if s.PageSize < 0 || s.PageSize > maxCSVPageSize {
		bad("page_size", "%d must be 1-%d (0 or unset: %d)", s.PageSize, maxCSVPageSize, DefaultCSVPageSize)
	}
	probs.Include(s.Retry.Validate()...)
	return probs.Err(CSVType)
}

// Open builds the connector without reading the bundle.
func (s *CSVSettings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return NewCSV(*s, opts)
}
