package lti

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
	"github.com/rollcall-sync/rollcall/connectors/settingscheck"
	"github.com/rollcall-sync/rollcall/connectors/siteurl"
	"github.com/rollcall-sync/rollcall/license"
)

// Type is the connector type name in the config file.
const Type = "lti"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are an lti connector's `settings:` block: the registration of
// one platform (what the LMS shows when the tool is registered there) and
// the tool's key.
type Settings struct {
	// Issuer is the platform's iss, e.g. https://canvas.instructure.com.
	Issuer string `yaml:"issuer"`
	// ClientID is the client id the platform gave the tool.
	ClientID string `yaml:"client_id"`
	// DeploymentIDs are the deployment ids launches may carry.
	DeploymentIDs []string `yaml:"deployment_ids"`
	// AuthLoginURL is the platform's OIDC authorization endpoint.
	AuthLoginURL string `yaml:"auth_login_url"`
	// TokenURL is the platform's OAuth 2 token endpoint.
	TokenURL string `yaml:"token_url"`
	// TokenAudience is the aud of client assertions; default TokenURL
	// (Brightspace names its own audience).
	TokenAudience string `yaml:"token_audience"`
	// JWKSURL is where the platform publishes its public keys.
	JWKSURL string `yaml:"jwks_url"`
	// PrivateKeyFile is the tool's RSA signing key (PEM), made by
	// `rollcall lti keygen`; relative to the config file's folder.
	PrivateKeyFile string `yaml:"private_key_file"`
	// ContextsFile keeps the courses launched so far and their roster
	// URLs; default <connector name>-contexts.json beside the key file.
	ContextsFile string `yaml:"contexts_file"`
	// AutoEnrolLicense, when set, makes the first launch in a course
	// create a deployment of that course's roster (unit context:<id>) on
	// this license and sync it.
	AutoEnrolLicense string `yaml:"auto_enrol_license"`
	// PageSize is the limit asked of NRPS per page; default 100.
	PageSize int             `yaml:"page_size"`
	Retry    httpretry.Retry `yaml:"retry"`
	// QuotaPerMinute caps the roster requests a minute; 0 (the default):
	// not paced. LTI NRPS 2.0 (1EdTech) sets no rate limit; each platform
	// applies its own (Canvas meters cost per token, D2L and Blackboard
	// their own quotas), so set the platform's figure if it documents
	// one. Token requests are not counted.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends,
	// when it is set: 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute,
		Why: "NRPS sets no rate limit: 0 leaves requests unpaced"}
}

// DefaultPageSize is the NRPS limit asked for.
const DefaultPageSize = 100

// Validate checks the settings offline; every problem names its field.
func (s *Settings) Validate() error {
	var probs settingscheck.Problems
	bad := probs.Add
	if s.Issuer == "" {
		bad("issuer", "is required: the platform's issuer (iss), e.g. https://canvas.instructure.com")
	}
	if s.ClientID == "" {
		bad("client_id", "is required: the client id the platform gave Rollcall")
	}
	if len(s.DeploymentIDs) == 0 {
		bad("deployment_ids", "name at least one deployment id the platform gave Rollcall")
	}
	for i, d := range s.DeploymentIDs {
		if strings.TrimSpace(d) == "" {
			bad(fmt.Sprintf("deployment_ids[%d]", i), "is empty")
		}
	}
	for _, f := range []struct{ name, v string }{{"auth_login_url", s.AuthLoginURL}, {"token_url", s.TokenURL}, {"jwks_url", s.JWKSURL}} {
		if f.v == "" {
			bad(f.name, "is required")
		} else if !siteurl.IsHTTP(f.v) {
			bad(f.name, "%q must be an http(s) URL", f.v)
		}
	}
	if s.PrivateKeyFile == "" {
		bad("private_key_file", "is required: make one with `rollcall lti keygen --out FILE`")
	}
	if s.AutoEnrolLicense != "" && strings.ContainsAny(s.AutoEnrolLicense, " /") {
		bad("auto_enrol_license", "%q is not a license id", s.AutoEnrolLicense)
	}
	if s.PageSize < 0 {
		bad("page_size", "%d must be positive", s.PageSize)
	}
	probs.Include(s.Retry.Validate()...)
	probs.Include(quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	return probs.Err(Type)
}

// Open builds the connector without touching the network (it reads the
// key file).
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}

// paths resolves the settings' files against the config file's folder.
func (s Settings) paths(base, name string) Settings {
	if s.PrivateKeyFile != "" && !filepath.IsAbs(s.PrivateKeyFile) && base != "" {
		s.PrivateKeyFile = filepath.Join(base, s.PrivateKeyFile)
	}
	if s.ContextsFile == "" {
		s.ContextsFile = filepath.Join(filepath.Dir(s.PrivateKeyFile), name+"-contexts.json")
	} else if !filepath.IsAbs(s.ContextsFile) && base != "" {
		s.ContextsFile = filepath.Join(base, s.ContextsFile)
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	if s.TokenAudience == "" {
		s.TokenAudience = s.TokenURL
	}
	s.Retry = s.Retry.WithDefaults()
	return s
}

// Example documents the settings (connectors.Exampler).
func (s *Settings) Example() string {
	return `  - name: canvas-lti
    type: lti
    schedule: "@every 1h"
    settings:
      # The platform's registration, as the LMS shows it (see README:
      # "Register Rollcall as an LTI 1.3 tool").
      issuer: https://canvas.instructure.com
      client_id: "10000000000042"
      deployment_ids: ["42:8865aa05b4b79b64a91a86042e43af5ea8ae79eb"]
      auth_login_url: https://sso.canvaslms.com/api/lti/authorize_redirect
      token_url: https://sso.canvaslms.com/login/oauth2/token
      jwks_url: https://sso.canvaslms.com/api/lti/security/jwks
      # token_audience: ""      # aud of client assertions; default token_url
      # The tool's signing key: rollcall lti keygen --out lti-key.pem
      private_key_file: lti-key.pem
      # contexts_file: canvas-lti-contexts.json   # courses launched so far
      # The first launch in a course enrols its roster on this license:
      auto_enrol_license: k3f9a2b7qx
      page_size: 100            # members a page asked of the platform
      retry:                    # roster pages; token requests are sent once
        max_attempts: 6
        max_elapsed: 2m
        base_delay: 500ms
        # rate_window: 1m         # wait rate limits out without counting them as attempts; default 0 (off)
        # max_rate_wait: 10m      # total rate-limit waiting in one call when rate_window is set
      # NRPS sets no rate limit (each platform has its own): roster requests
      # are not paced unless a cap is set here.
      # quota_per_minute: 600   # the platform's documented figure; default 0 (not paced)
      # quota_percent: 95       # share of the cap this connector spends; default 95
  # Units: "context:<id>" (a course launched at least once) or
  # "memberships:<context_memberships_url>". Roles map LIS roles
  # (Learner, Instructor, TeachingAssistant, Mentor, ContentDeveloper,
  # Administrator) to student, teacher or other.
`
}

// roleDefaults maps LIS context roles to Rollcall roles; roles absent
// here (Mentor, ContentDeveloper, Administrator, Member, Manager, Officer)
// are not members unless the selection maps them.
var roleDefaults = map[string]license.Role{
	"Learner":           license.RoleStudent,
	"Instructor":        license.RoleTeacher,
	"TeachingAssistant": license.RoleTeacher,
}
