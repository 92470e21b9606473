package moodle

import (
	"net/url"
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
const Type = "moodle"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a moodle connector's `settings:` block.
type Settings struct {
	// BaseURL is the site's address, with its path when Moodle is not at
	// the root (https://lms.district.org/moodle).
	BaseURL string        `yaml:"base_url"`
	Token   config.Secret `yaml:"token"`
	// PageSize is limitnumber per enrolled-users call; default 500.
	PageSize int             `yaml:"page_size"`
	Retry    httpretry.Retry `yaml:"retry"`
	// QuotaPerMinute caps the web-service calls a minute; 0 (the
	// default): not paced. Moodle has no rate limit on web services by
	// default (a site may add one in its web server or proxy, which
	// answers 429 or 503 and is retried); set a cap if the site's admins
	// ask integrations for one, or to spare a small server.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends,
	// when it is set: 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute,
		Why: "Moodle has no rate limit by default: 0 leaves calls unpaced"}
}

// Defaults.
const (
	DefaultPageSize = 500
	MaxPageSize     = 10000
)

func (s Settings) withDefaults() Settings {
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL == "" {
		bad("base_url", "is required, e.g. https://lms.district.org")
	} else if u, err := url.Parse(s.BaseURL); err != nil || !siteurl.IsSite(s.BaseURL) || strings.Contains(u.Path, "/webservice") {
		bad("base_url", "%q must be the site's http(s) address (no query, not the webservice path), e.g. https://lms.district.org", s.BaseURL)
	}
	if s.Token == "" {
		bad("token", "is required (Site administration > Server > Web services > Manage tokens)")
	}
	if s.PageSize < 0 || s.PageSize > MaxPageSize {
		bad("page_size", "%d must be 1-%d", s.PageSize, MaxPageSize)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

// Example documents every setting as one connector entry of the config
// file; `rollcall config example --connector moodle` prints it.
func (*Settings) Example() string { return example }

const example = `  - name: moodle
    type: moodle                 # course participants from Moodle's REST web services
    schedule: "@every 1h"
    settings:
      base_url: https://lms.district.org   # the site's address, with its path if not at the root
      # A token of an external service that allows core_webservice_get_site_info,
      # core_course_get_categories, core_course_get_courses_by_field,
      # core_course_get_courses and core_enrol_get_enrolled_users.
      token: ${MOODLE_TOKEN}
      page_size: 500             # users per core_enrol_get_enrolled_users call, 1-10000; default 500
      retry:
        max_attempts: 6          # per request, the first included; default 6
        max_elapsed: 2m          # default 2m
        base_delay: 500ms        # doubled per retry, with jitter; default 500ms
        # rate_window: 1m        # wait rate limits out instead of counting them as attempts; default 0 (off)
        # max_rate_wait: 10m     # total rate-limit waiting in one call when rate_window is set; default 10m
      # Moodle has no web-service rate limit by default, so calls are not
      # paced unless a cap is set here.
      # quota_per_minute: 600    # a cap the site's admins ask for; default 0 (not paced)
      # quota_percent: 95        # share of the cap this connector spends; default 95
    # Deployments name units category:<id> or course:<id>; roles map role
    # shortnames ("parent": other); options include_subcategories (default
    # "true") and include_hidden (default "false").
`
