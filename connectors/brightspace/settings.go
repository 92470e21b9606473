package brightspace

import (
	"path/filepath"
	"regexp"
	"strconv"
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
const Type = "brightspace"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// DefaultTokenURL is D2L's OAuth 2 token endpoint.
const DefaultTokenURL = "https://auth.brightspace.com/core/connect/token"

// Settings are a brightspace connector's `settings:` block.
type Settings struct {
	BaseURL  string `yaml:"base_url"`  // the tenant, e.g. https://district.brightspace.com
	TokenURL string `yaml:"token_url"` // default DefaultTokenURL
	// ClientID and ClientSecret are the OAuth 2 app registered in Manage
	// Extensibility; RefreshToken is the one its consent gave.
	ClientID     string        `yaml:"client_id"`
	ClientSecret config.Secret `yaml:"client_secret"`
	RefreshToken config.Secret `yaml:"refresh_token"`
	// TokenFile keeps the rotated refresh token (0600); relative paths
	// resolve against the config file's folder.
	TokenFile string `yaml:"token_file"`
	// LPVersion pins the lp API version ("1.46"); empty: the tenant's latest.
	LPVersion string `yaml:"lp_version"`
	// Roles maps the tenant's role ids (or role names) to student, teacher
	// or other; roles it does not name are not members. Required.
	Roles map[string]license.Role `yaml:"roles"`
	// CourseOfferingType is the org unit type id of course offerings,
	// which orgunit:<id> units read; default 3.
	CourseOfferingType int `yaml:"course_offering_type"`
	// LowWater: when X-Rate-Limit-Remaining falls below it (credits), wait
	// until X-Rate-Limit-Reset before the next call; default 500.
	LowWater int             `yaml:"low_water"`
	Retry    httpretry.Retry `yaml:"retry"`
	// QuotaPerMinute paces calls ahead of the credit bucket. D2L meters
	// credits, not calls: 50,000 API credits a minute per API app, each
	// call costing 10 as published (X-Request-Cost), D2L keeping the
	// right to change route costs (community.d2l.com, "API Rate
	// Logging/Limiting FAQ", "Rate Limiting and API Response Headers").
	// The default, 5,000 calls a minute, is that bucket at that cost;
	// LowWater still pauses on the bucket's own count should a route
	// cost more. Set it lower if other tools share the app.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends:
	// 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute, Default: ratelimit.BrightspacePerMinute,
		Why: "D2L's 50000 credits a minute at 10 credits a call is 5000"}
}

// Defaults.
const (
	DefaultCourseOfferingType = 3
	DefaultLowWater           = 500
)

var versionPattern = regexp.MustCompile(`^1\.[0-9]+$`)

func (s Settings) withDefaults(baseDir string) Settings {
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.TokenURL == "" {
		s.TokenURL = DefaultTokenURL
	}
	if s.CourseOfferingType == 0 {
		s.CourseOfferingType = DefaultCourseOfferingType
	}
	if s.LowWater == 0 {
		s.LowWater = DefaultLowWater
	}
	if s.TokenFile != "" && !filepath.IsAbs(s.TokenFile) && baseDir != "" {
		s.TokenFile = filepath.Join(baseDir, s.TokenFile)
	}
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.BaseURL == "" {
		bad("base_url", "is required, e.g. https://district.brightspace.com")
	} else if !siteurl.IsRoot(s.BaseURL) {
		bad("base_url", "%q must be an http(s) URL such as %s", s.BaseURL, "https://district.brightspace.com (no path)")
	}
	if s.TokenURL != "" && !siteurl.IsSite(s.TokenURL) {
		bad("token_url", "%q must be an http(s) URL such as %s", s.TokenURL, DefaultTokenURL)
	}
	if s.ClientID == "" {
		bad("client_id", "is required (the OAuth 2 app's client id)")
	}
	if s.ClientSecret == "" {
		bad("client_secret", "is required")
	}
	if s.RefreshToken == "" {
		bad("refresh_token", "is required (from the app's one-time consent by the service user)")
	}
	if s.TokenFile == "" {
		bad("token_file", "is required: Brightspace rotates the refresh token on every use, and the new one must be kept")
	}
	if s.LPVersion != "" && !versionPattern.MatchString(s.LPVersion) {
		bad("lp_version", "%q must look like 1.46", s.LPVersion)
	}
	if len(s.Roles) == 0 {
		bad("roles", "is required: map this tenant's role ids to student or teacher, e.g. {\"110\": student, \"109\": teacher}")
	}
	for k, r := range s.Roles {
		if strings.TrimSpace(k) == "" {
			bad("roles", "a role id is empty")
		}
		if !r.Valid() {
			bad("roles."+k, "%q must be student, teacher or other", r)
		}
	}
	if s.CourseOfferingType < 0 {
		bad("course_offering_type", "%d must be an org unit type id", s.CourseOfferingType)
	}
	if s.LowWater < 0 {
		bad("low_water", "%d must not be negative", s.LowWater)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

func digits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}
