package blackboard

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
const Type = "blackboard"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a blackboard connector's `settings:` block.
type Settings struct {
	BaseURL string `yaml:"base_url"` // e.g. https://learn.district.org
	// ApplicationKey and ApplicationSecret are the REST application's
	// credentials from the Anthology developer portal; a Learn admin
	// registers the application on the site (System Admin > REST API
	// Integrations) with a user whose entitlements can read rosters.
	ApplicationKey    config.Secret `yaml:"application_key"`
	ApplicationSecret config.Secret `yaml:"application_secret"`
	// PageSize is the limit asked for per page: 1-100, default 100.
	PageSize int `yaml:"page_size"`
	// Roles maps course role ids (built-in or custom) to student, teacher
	// or other, on top of the defaults (Instructor, BbFacilitator and
	// TeachingAssistant: teacher; Student: student).
	Roles map[string]license.Role `yaml:"roles"`
	Retry httpretry.Retry         `yaml:"retry"`
	// QuotaPerDay is the REST calls the application may make in 24 hours:
	// Anthology documents 10,000 per application by default, more for a
	// production group by arrangement, then 429 until the window ends
	// (docs.anthology.com, "Production groups, REST API and site
	// registrations limits"). A day's quota spent early stops every sync
	// until it resets, so the connector paces to it: a tenth of the share
	// may go at once, the rest at an even rate. Default 10,000; set your
	// group's figure if Anthology raised it.
	QuotaPerDay int `yaml:"quota_per_day"`
	// QuotaPercent is the share of QuotaPerDay the connector spends,
	// leaving the rest to other integrations on the same application:
	// 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_day", Window: 24 * time.Hour, Default: ratelimit.BlackboardPerDay,
		Why: "Anthology's default is 10000 a day per application"}
}

// Defaults and limits.
const (
	DefaultPageSize = 100
	MaxPageSize     = 100
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
		bad("base_url", "is required, e.g. https://learn.district.org")
	} else if !siteurl.IsRoot(s.BaseURL) {
		bad("base_url", "%q must be an http(s) URL with no path, e.g. https://learn.district.org", s.BaseURL)
	}
	if s.ApplicationKey == "" {
		bad("application_key", "is required (the REST application's key)")
	}
	if s.ApplicationSecret == "" {
		bad("application_secret", "is required (the REST application's secret)")
	}
	if s.PageSize < 0 || s.PageSize > MaxPageSize {
		bad("page_size", "%d must be 1-%d", s.PageSize, MaxPageSize)
	}
	for k, r := range s.Roles {
		if strings.TrimSpace(k) == "" {
			bad("roles", "a course role id is empty")
		}
		if !r.Valid() {
			bad("roles."+k, "%q must be student, teacher or other", r)
		}
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerDay, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}
