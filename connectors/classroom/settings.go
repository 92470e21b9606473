package classroom

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/googleauth"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// Type is the connector type name in the config file.
const Type = "google-classroom"

func init() {
	connectors.Register(Type, func() connectors.Config { return &Settings{} })
}

// Settings are a google-classroom connector's `settings:` block.
type Settings struct {
	// CredentialsFile is the service account's JSON key, relative to the
	// config file's folder. Required unless UseApplicationDefault.
	CredentialsFile string `yaml:"credentials_file"`
	// Subject is the Workspace admin the service account impersonates: a
	// domain admin sees every course.
	Subject               string `yaml:"subject"`
	UseApplicationDefault bool   `yaml:"use_application_default"`
	// Endpoint overrides the API base URL (the fake, the demo, a proxy).
	Endpoint string `yaml:"endpoint"`
	// TokenURL overrides the key file's token_uri.
	TokenURL string `yaml:"token_url"`
	// CourseStates are the states of the courses read; default [ACTIVE].
	CourseStates []string `yaml:"course_states"`
	// PageSize is asked of every list call; default 500 (Google may
	// answer fewer).
	PageSize int              `yaml:"page_size"`
	Retry    googleauth.Retry `yaml:"retry"`
	// QuotaPerMinute is the Classroom requests a minute the connector's
	// subject may make: Google documents 1,200 a minute per user (and
	// 3,000 per project, 4,000,000 a day per project), checked on a
	// moving 60-second average, over it 429 RESOURCE_EXHAUSTED
	// (developers.google.com/classroom/limits). Every request of the
	// connector acts as one user, Subject, so the per-user figure is the
	// one met first. Default 1,200.
	QuotaPerMinute int `yaml:"quota_per_minute"`
	// QuotaPercent is the share of QuotaPerMinute the connector spends:
	// the rest is headroom for other tools acting as the same admin.
	// 1-100, default 95.
	QuotaPercent int `yaml:"quota_percent"`
}

// quota describes the quota settings (connectors/ratelimit).
func quota() ratelimit.Setting {
	return ratelimit.Setting{Field: "quota_per_minute", Window: time.Minute, Default: ratelimit.GoogleClassroomPerMinutePerUser,
		Why: "Google's default is 1200 a minute per user"}
}

// Defaults.
const DefaultPageSize = 500

// CourseStates Classroom knows.
var courseStates = []string{"ACTIVE", "ARCHIVED", "PROVISIONED", "DECLINED", "SUSPENDED"}

func (s Settings) withDefaults() Settings {
	if len(s.CourseStates) == 0 {
		s.CourseStates = []string{"ACTIVE"}
	}
	if s.PageSize == 0 {
		s.PageSize = DefaultPageSize
	}
	s.Retry = googleauth.WithDefaults(s.Retry)
	return s
}

// Validate checks the settings without touching the network or the disk,
// naming every bad field.
func (s *Settings) Validate() error {
	errs := googleauth.CheckDelegation(s.CredentialsFile, s.UseApplicationDefault, s.Subject)
	for _, err := range []error{googleauth.CheckURL("endpoint", s.Endpoint), googleauth.CheckURL("token_url", s.TokenURL)} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i, st := range s.CourseStates {
		if !slices.Contains(courseStates, st) {
			errs = append(errs, fmt.Errorf("settings.course_states[%d]: %q is not a course state (known: %v)", i, st, courseStates))
		}
	}
	if s.PageSize < 0 || s.PageSize > 1000 {
		errs = append(errs, fmt.Errorf("settings.page_size: %d must be 1-1000", s.PageSize))
	}
	errs = append(errs, s.Retry.Validate()...)
	errs = append(errs, quota().Validate(s.QuotaPerMinute, s.QuotaPercent)...)
	if len(errs) > 0 {
		return fmt.Errorf("%s connector: %w", Type, errors.Join(errs...))
	}
	return nil
}

// Open builds the connector without touching the network.
func (s *Settings) Open(opts connectors.OpenOptions) (connectors.Connector, error) {
	return New(*s, opts)
}
