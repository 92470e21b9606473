package clever

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

// Type is the connector type name in the config file.
const Type = "clever"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a clever connector's `settings:` block.
type Settings struct {
	// BaseURL is Clever's API; default https://api.clever.com.
	BaseURL string `yaml:"base_url"`
	// Token is the district-app bearer token of the Secure Sync app (not
	// an Instant Login token: those cannot page).
	Token config.Secret `yaml:"token"`
	// APIVersion is v3.0 (default) or v3.1.
	APIVersion string `yaml:"api_version"`
	// PageSize is the limit asked for: 1-10000 (Clever's cap), default 1000.
	PageSize int             `yaml:"page_size"`
	Retry    httpretry.Retry `yaml:"retry"`
	// QuotaPerMinute is the requests a minute the token may make: Clever
	// documents 1,200 per minute per token in a fixed window, answering
	// 429 with X-RateLimit-Reset beyond it (dev.clever.com, "Rate
	// limits"). Default 1,200; raise it if Clever granted the app more.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends,
	// leaving the rest to other connectors or scripts on the same token:
	// 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute, Default: ratelimit.CleverPerMinute,
		Why: "Clever's default is 1200 a minute per token"}
}

// Defaults and limits.
const (
	DefaultBaseURL    = "https://api.clever.com"
	DefaultAPIVersion = "v3.0"
	DefaultPageSize   = 1000
	MaxPageSize       = 10000
)

func (s Settings) withDefaults() Settings {
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.APIVersion == "" {
		s.APIVersion = DefaultAPIVersion
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	// A rate-limit window is a minute: one request's retries must be able
	// to wait one out and try again.
	s.Retry = s.Retry.Or(httpretry.Retry{MaxAttempts: httpretry.DefaultMaxAttempts, MaxElapsed: 3 * time.Minute, BaseDelay: httpretry.DefaultBaseDelay})
	return s
}

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL != "" && !siteurl.IsRoot(s.BaseURL) {
		bad("base_url", "%q must be an http(s) URL with no path, e.g. %s", s.BaseURL, DefaultBaseURL)
	}
	if s.Token == "" {
		bad("token", "is required: the district-app bearer token of your Clever Secure Sync app")
	} else if strings.HasPrefix(s.Token.Value(), "ilc_") {
		bad("token", "is an Instant Login token, which cannot read rosters: use the district-app token")
	}
	if s.APIVersion != "" && s.APIVersion != "v3.0" && s.APIVersion != "v3.1" {
		bad("api_version", "%q must be v3.0 or v3.1", s.APIVersion)
	}
	if s.PageSize < 0 || s.PageSize > MaxPageSize {
		bad("page_size", "%d must be 1-%d (Clever answers 413 above %d)", s.PageSize, MaxPageSize, MaxPageSize)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

// Example documents the settings (connectors.Exampler).
func (s *Settings) Example() string {
	return `  - name: clever
    type: clever
    schedule: "@every 1h"
    settings:
      # Clever's Data API; change only for a proxy or a test server.
      base_url: https://api.clever.com
      # The district-app bearer token of your Secure Sync app (Clever lists
      # it at /oauth/tokens?owner_type=district). Instant Login tokens
      # cannot page rosters and are refused.
      token: ${CLEVER_TOKEN}
      api_version: v3.0     # v3.0 or v3.1
      page_size: 1000       # records a page, 1-10000
      retry:                # each 429 is waited out until X-RateLimit-Reset
        max_attempts: 6       # tries of one request, 429s included
        max_elapsed: 3m
        base_delay: 500ms
        # rate_window: 1m     # wait 429s out without counting them as attempts; default 0 (off)
        # max_rate_wait: 10m  # total rate-limit waiting in one call when rate_window is set
      # Requests are paced to Clever's documented 1,200 a minute per token,
      # so a large district is read without 429s.
      quota_per_minute: 1200  # raise it only if Clever granted your app more
      quota_percent: 95       # share of it this connector spends; the rest is headroom
  # A deployment takes units "district", "school:<id>", "section:<id>" or
  # "teacher:<id>"; roles map Clever's student, teacher, staff and
  # district_admin (staff and district admins are left out unless mapped).
`
}
