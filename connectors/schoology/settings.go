package schoology

import (
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth1"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/settingscheck"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
)

// Type is the connector type name in the config file.
const Type = "schoology"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a schoology connector's `settings:` block.
type Settings struct {
	// BaseURL is the API's address; default https://api.schoology.com.
	BaseURL        string        `yaml:"base_url"`
	ConsumerKey    string        `yaml:"consumer_key"`
	ConsumerSecret config.Secret `yaml:"consumer_secret"`
	// SignatureMethod is HMAC-SHA1 (default) or PLAINTEXT.
	SignatureMethod string `yaml:"signature_method"`
	// PageSize is the limit asked for on every list: 1-200, default 200.
	PageSize int `yaml:"page_size"`
	// UserLookupMax: up to this many distinct people, emails are read
	// user by user; above it the school's user list is paged. Default 50.
	UserLookupMax int             `yaml:"user_lookup_max"`
	Retry         httpretry.Retry `yaml:"retry"`
	// QuotaPer5Seconds caps the requests in any 5 seconds; 0 (the
	// default): not paced. Schoology's API documents name no figure, only
	// that throttled requests get 429; integrators report about 50
	// requests per 5 seconds per consumer key, which is not confirmed, so
	// it is not assumed. The window is Schoology's reported one: a cap
	// counted per minute could still send a minute's share in a few
	// seconds. Set 50 (or what Schoology tells the district) if 429s
	// are seen.
	QuotaPer5Seconds int `yaml:"quota_per_5_seconds"`
	// QuotaPercent is the share of QuotaPer5Seconds the connector
	// spends, when it is set: 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_5_seconds", Window: 5 * time.Second,
		Why: "Schoology documents no figure: 0 leaves requests unpaced"}
}

// Defaults.
const (
	DefaultBaseURL       = "https://api.schoology.com"
	DefaultPageSize      = 200
	MaxPageSize          = 200
	DefaultUserLookupMax = 50
)

func (s Settings) withDefaults() Settings {
	if s.BaseURL == "" {
		s.BaseURL = DefaultBaseURL
	}
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.SignatureMethod == "" {
		s.SignatureMethod = string(oauth1.HMACSHA1)
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.UserLookupMax == 0 {
		s.UserLookupMax = DefaultUserLookupMax
	}
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL != "" && !siteurl.IsRoot(s.BaseURL) {
		bad("base_url", "%q must be an http(s) URL with no path, e.g. %s", s.BaseURL, DefaultBaseURL)
	}
	if s.ConsumerKey == "" {
		bad("consumer_key", "is required (System Settings > Integration > API in Schoology)")
	}
	if s.ConsumerSecret == "" {
		bad("consumer_secret", "is required")
	}
	switch oauth1.Method(s.SignatureMethod) {
	case "", oauth1.HMACSHA1, oauth1.Plaintext:
	default:
		bad("signature_method", "%q must be HMAC-SHA1 or PLAINTEXT", s.SignatureMethod)
	}
	if s.PageSize < 0 || s.PageSize > MaxPageSize {
		bad("page_size", "%d must be 1-%d", s.PageSize, MaxPageSize)
	}
	if s.UserLookupMax < 0 {
		bad("user_lookup_max", "%d must not be negative", s.UserLookupMax)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPer5Seconds, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

// Example documents every setting as one connector entry of the config
// file; `rollcall config example --connector schoology` prints it.
func (*Settings) Example() string { return example }

const example = `  - name: schoology
    type: schoology              # course-section enrollments from Schoology's REST API v1
    schedule: "@every 1h"
    settings:
      # A district API key (System Settings > Integration > API), whose
      # owner may view users, courses, sections and enrollments.
      consumer_key: ${SCHOOLOGY_CONSUMER_KEY}
      consumer_secret: ${SCHOOLOGY_CONSUMER_SECRET}
      base_url: https://api.schoology.com   # default
      signature_method: HMAC-SHA1  # or PLAINTEXT; default HMAC-SHA1
      page_size: 200             # limit per list page, 1-200; default 200
      user_lookup_max: 50        # up to this many people, emails are read user by user; default 50
      retry:
        max_attempts: 6          # per request, the first included; default 6
        max_elapsed: 2m          # default 2m
        base_delay: 500ms        # doubled per retry, with jitter; default 500ms
        # rate_window: 1m        # wait 429s out instead of counting them as attempts; default 0 (off)
        # max_rate_wait: 10m     # total rate-limit waiting in one call when rate_window is set; default 10m
      # Schoology documents no request quota (about 50 requests per 5 seconds
      # per key is reported, unconfirmed): requests are not paced unless a
      # cap is set here.
      # quota_per_5_seconds: 50  # a cap per 5 seconds if 429s are seen; default 0 (not paced)
      # quota_percent: 95        # share of the cap this connector spends; default 95
    # Deployments name units school:<id>, building:<id>, course:<id> or
    # section:<id>; roles map admin / member or a school role title
    # ("Counselor": other); options: enrollment_status (default "1"),
    # include_past (default "false"), exclude_roles (default "Parent,Guest").
`
