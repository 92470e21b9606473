package canvas

import (
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/settingscheck"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
	"github.com/rollcall-sync/rollcall/license"
)

// Type is the connector type name in the config file.
const Type = "canvas"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a canvas connector's `settings:` block. Authenticate with
// AccessToken, or with a developer key (ClientID, ClientSecret) and a
// RefreshToken obtained once through Canvas's OAuth2 flow.
type Settings struct {
	BaseURL      string        `yaml:"base_url"` // e.g. https://district.instructure.com
	AccessToken  config.Secret `yaml:"access_token"`
	ClientID     string        `yaml:"client_id"`
	ClientSecret config.Secret `yaml:"client_secret"`
	RefreshToken config.Secret `yaml:"refresh_token"`
	// RootAccount is the account term:<id> units list courses in; default "self".
	RootAccount string `yaml:"root_account"`
	// PerPage is the page size asked for: 1-100 (Canvas's cap), default 100.
	PerPage int `yaml:"per_page"`
	// IncludeObservers maps ObserverEnrollment to this role (student,
	// teacher or other); empty leaves observers out unless the
	// deployment's roles map them.
	IncludeObservers license.Role `yaml:"include_observers"`
	Retry            Retry        `yaml:"retry"`
	// QuotaPerMinute caps the requests a minute; 0 (the default): not
	// paced. Canvas documents no request quota: it meters cost, a leaky
	// bucket per access token (700 units by default) that each request
	// fills by its CPU and database time, and says a client making one
	// request at a time is unlikely ever to be throttled (canvas-lms
	// doc/api/throttling.md). The connector reads one request at a time
	// and pauses on X-Rate-Limit-Remaining (retry.low_water), which
	// follows the real bucket better than any count could; set a cap if
	// the district's Canvas admins ask integrations for one.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends,
	// when it is set: 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute,
		Why: "Canvas meters cost, not requests: 0 leaves requests unpaced"}
}

// Retry bounds the retries of one request and the pauses Canvas's
// throttling asks for.
type Retry struct {
	// MaxAttempts, MaxElapsed and BaseDelay bound one request's retries.
	httpretry.Retry `yaml:",inline"`
	// LowWater: when X-Rate-Limit-Remaining falls below it, pause Pause
	// before the next request, so a long sync does not run the bucket dry.
	LowWater float64       `yaml:"low_water"` // default 100 (of Canvas's default 700)
	Pause    time.Duration `yaml:"pause"`     // default 2s
}

// Defaults.
const (
	DefaultPerPage     = 100
	MaxPerPage         = 100
	DefaultMaxAttempts = httpretry.DefaultMaxAttempts
	DefaultMaxElapsed  = httpretry.DefaultMaxElapsed
	DefaultBaseDelay   = httpretry.DefaultBaseDelay
	DefaultLowWater    = 100
	DefaultPause       = 2 * time.Second
)

func (s Settings) withDefaults() Settings {
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.RootAccount == "" {
		s.RootAccount = "self"
	}
	if s.PerPage == 0 {
		s.PerPage = DefaultPerPage
	}
	r := &s.Retry
	r.Retry = r.Retry.WithDefaults()
	if r.LowWater == 0 {
		r.LowWater = DefaultLowWater
	}
	if r.Pause == 0 {
		r.Pause = DefaultPause
	}
	return s
}

// oauth reports whether the settings name a developer key.
func (s *Settings) oauth() bool {
	return s.ClientID != "" || s.ClientSecret != "" || s.RefreshToken != ""
}

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL == "" {
		bad("base_url", "is required, e.g. https://district.instructure.com")
	} else if !siteurl.IsRoot(s.BaseURL) {
		bad("base_url", "%q must be an http(s) URL with no path, e.g. https://district.instructure.com", s.BaseURL)
	}
	switch {
	case s.AccessToken != "" && s.oauth():
		bad("access_token", "set together with client_id/client_secret/refresh_token: choose one way to authenticate")
	case s.AccessToken == "" && !s.oauth():
		bad("access_token", "is required (or client_id, client_secret and refresh_token of a developer key)")
	case s.oauth():
		if s.ClientID == "" {
			bad("client_id", "is required with a developer key")
		}
		if s.ClientSecret == "" {
			bad("client_secret", "is required with a developer key")
		}
		if s.RefreshToken == "" {
			bad("refresh_token", "is required with a developer key")
		}
	}
	if s.RootAccount != "" && s.RootAccount != "self" && !digits(s.RootAccount) {
		bad("root_account", "%q must be an account id or self", s.RootAccount)
	}
	if s.PerPage < 0 || s.PerPage > MaxPerPage {
		bad("per_page", "%d must be 1-%d (Canvas caps per_page at %d)", s.PerPage, MaxPerPage, MaxPerPage)
	}
	if s.IncludeObservers != "" && !s.IncludeObservers.Valid() {
		bad("include_observers", "%q must be student, teacher or other", s.IncludeObservers)
	}
	probs.Include(s.Retry.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	if s.Retry.Pause < 0 {
		bad("retry.pause", "%s must be positive", s.Retry.Pause)
	}
	if s.Retry.LowWater < 0 {
		bad("retry.low_water", "%g must not be negative", s.Retry.LowWater)
	}
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

func digits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}
