package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration file, decoded, defaulted and validated.
type Config struct {
	// File is the file as the operator named it, used in error messages.
	File string `yaml:"-"`
	// Dir is the folder of File; relative paths in the file, including
	// those in connector settings, resolve against it.
	Dir string `yaml:"-"`

	Store       Store        `yaml:"store"`
	SyncState   SyncState    `yaml:"sync_state"`
	HTTP        HTTP         `yaml:"http"`
	Log         Log          `yaml:"log"`
	Sync        Sync         `yaml:"sync"`
	Connectors  []Connector  `yaml:"connectors"`
	Deployments []Deployment `yaml:"deployments"`
	// Calendar holds dated windows in which syncs pause (blackout) or only
	// add (additions-only), for every license or some.
	Calendar []Window `yaml:"calendar,omitempty"`
	// Webhooks deliver a license's change feed to a URL.
	Webhooks []Webhook `yaml:"webhooks,omitempty"`

	lines     map[string]int
	parents   map[string]string
	sensitive map[*yaml.Node]bool // scalars filled from secret-looking variables
}

// Store is the license store.
type Store struct {
	// Driver is bolt (the default: one file, one process) or postgres
	// (a PostgreSQL database that several processes may share).
	Driver string `yaml:"driver,omitempty"`
	Path   string `yaml:"path"` // bbolt file; absolute after Parse
	// URL is the PostgreSQL connection URL (postgres://user:pass@host/db),
	// for driver postgres; typically ${DATABASE_URL}.
	URL Secret `yaml:"url,omitempty"`
}

// SyncState is the sync state database (runs, pending plans, run-time
// deployments), a bbolt file of its own.
type SyncState struct {
	Path string `yaml:"path"` // absolute after Parse; default: syncstate.db beside the store
}

// HTTP is the listener for the dashboard, the admin API, metrics and health.
type HTTP struct {
	Listen string `yaml:"listen"` // host:port
	// PublicURL is where browsers reach Rollcall; https there marks the
	// session cookie Secure (and __Host-) even behind a TLS-ending proxy.
	PublicURL string `yaml:"public_url,omitempty"`
	// TrustedProxies are the addresses or CIDR prefixes whose
	// X-Forwarded-Proto header is believed; from others it is ignored.
	TrustedProxies []string `yaml:"trusted_proxies,omitempty"`
	// OIDC, when set, offers sign-in with an OpenID Connect provider
	// (e.g. Sign in with Google) beside API-token sign-in.
	OIDC *OIDC `yaml:"oidc,omitempty"`
}

// OIDC is a dashboard sign-in provider.
type OIDC struct {
	Name           string   `yaml:"name"`   // shown on the button, e.g. Google
	Issuer         string   `yaml:"issuer"` // e.g. https://accounts.google.com
	ClientID       string   `yaml:"client_id"`
	ClientSecret   Secret   `yaml:"client_secret"`
	RedirectURL    string   `yaml:"redirect_url"`    // https://rollcall.district.org/api/v1/oidc/callback
	AllowedDomains []string `yaml:"allowed_domains"` // email domains that may sign in; empty: any verified email
	Operators      []string `yaml:"operators"`       // emails signed in as operators; everyone else as admin
}

// Log configures log/slog.
type Log struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`  // debug, info, warn or error
}

// Sync tunes the sync engine.
type Sync struct {
	History         int           `yaml:"history"`          // runs kept per deployment
	Jitter          time.Duration `yaml:"jitter"`           // random delay before each scheduled run, at most this
	BatchSize       int           `yaml:"batch_size"`       // changes per store transaction
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"` // how long a running batch may take to finish on SIGTERM
	// RunTimeout bounds one run, rate-limit waits included; 0: DefaultRunTimeout.
	RunTimeout time.Duration `yaml:"run_timeout,omitempty"`
	// QuarantineAfter is how many failed runs in a row quarantine a
	// deployment; 0: DefaultQuarantineAfter.
	QuarantineAfter int `yaml:"quarantine_after,omitempty"`
}

// Connector is one connector instance: a source system and how to reach it.
type Connector struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`      // a registered connector type, e.g. static
	Schedule string `yaml:"schedule"`  // cron spec or @every; default DefaultSchedule
	TimeZone string `yaml:"time_zone"` // IANA zone of the schedule; default UTC
	// Settings are the connector type's own; it decodes them with
	// DecodeStrictAt(&c.Settings, cfg.File, c.Field+".settings", ...).
	Settings yaml.Node `yaml:"settings,omitempty"`

	// Field is the entry's path in the file, e.g. "connectors[0]"; with
	// Config.Line it places errors found later.
	Field string `yaml:"-"`
}

// String names the connector without its settings, which may hold secrets.
func (c Connector) String() string { return fmt.Sprintf("connector %s (%s)", c.Name, c.Type) }

// Deployment binds part of a connector's source to one license.
type Deployment struct {
	Name        string            `yaml:"name"`
	Connector   string            `yaml:"connector"`
	License     string            `yaml:"license"`
	Units       []string          `yaml:"units,omitempty"`
	Roles       map[string]string `yaml:"roles,omitempty"`
	DefaultRole string            `yaml:"default_role,omitempty"`
	Options     map[string]string `yaml:"options,omitempty"`
	Schedule    string            `yaml:"schedule,omitempty"`  // empty: the connector's
	TimeZone    string            `yaml:"time_zone,omitempty"` // empty: the connector's
	// DeletionLimit is nil when the file does not set one: the engine's
	// default applies. A key left out of a given limit is 0.
	DeletionLimit *DeletionLimit `yaml:"deletion_limit,omitempty"`
	// Mode is mirror (default: add, update and remove), add-only or remove-only.
	Mode string `yaml:"mode,omitempty"`
	// MaxUpdatePercent holds a plan's updates for approval when they touch
	// more than this percentage of the deployment's claims; nil: 75.
	MaxUpdatePercent *float64 `yaml:"max_update_percent,omitempty"`
	// GracePeriod keeps a leaver as "leaving" this long before removal.
	GracePeriod time.Duration `yaml:"grace_period,omitempty"`
	// GraceKeepsAccess: a leaving member stays entitled until the date
	// (default true).
	GraceKeepsAccess *bool `yaml:"grace_keeps_access,omitempty"`

	Field string `yaml:"-"` // e.g. "deployments[1]"
}

// Window is a dated calendar window: from its first day to its last day
// (inclusive, in TimeZone), syncs of the licenses or deployments it names
// (none named: every one) are skipped (blackout) or may only add
// (additions-only: removals are held for approval).
type Window struct {
	Name        string   `yaml:"name"`
	Kind        string   `yaml:"kind"` // blackout or additions-only
	From        string   `yaml:"from"` // YYYY-MM-DD, first day
	To          string   `yaml:"to"`   // YYYY-MM-DD, last day
	TimeZone    string   `yaml:"time_zone,omitempty"`
	Licenses    []string `yaml:"licenses,omitempty"`
	Deployments []string `yaml:"deployments,omitempty"`

	Field string `yaml:"-"` // e.g. "calendar[0]"
}

// Webhook posts every change of one license to a URL, signed with Secret.
type Webhook struct {
	Name    string `yaml:"name"`    // unique; the store keeps its place in the feed under it
	License string `yaml:"license"` // license id
	URL     string `yaml:"url"`     // https; http only to a loopback host with InsecureLoopback
	Secret  Secret `yaml:"secret"`  // signs each delivery (HMAC-SHA256)
	// InsecureLoopback allows http:// to 127.0.0.1, ::1 or localhost (tests,
	// a receiver on the same host).
	InsecureLoopback bool `yaml:"insecure_loopback,omitempty"`

	Field string `yaml:"-"`
}

// Calendar window kinds and sync modes.
const (
	WindowBlackout      = "blackout"
	WindowAdditionsOnly = "additions-only"
	ModeMirror          = "mirror"
	ModeAddOnly         = "add-only"
	ModeRemoveOnly      = "remove-only"
)

// DeletionLimit holds plans that remove more than max(Min, Percent % of
// the deployment's current claims).
type DeletionLimit struct {
	Percent float64 `yaml:"percent"`
	Min     int     `yaml:"min"`
}

// Defaults.
const (
	DefaultStorePath       = "rollcall.db"
	DefaultSyncStateFile   = "syncstate.db"
	DefaultListen          = "127.0.0.1:8080"
	DefaultSchedule        = "@every 1h"
	DefaultTimeZone        = "UTC"
	DefaultHistory         = 200
	DefaultBatchSize       = 10000
	DefaultShutdownTimeout = 30 * time.Second
	DefaultRunTimeout      = 2 * time.Hour
	DefaultQuarantineAfter = 5
	DefaultMaxUpdatePct    = 75
)

// Load reads, parses and validates the config file at path, expanding
// variables from the process environment.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return parse(data, path, filepath.Dir(abs), os.LookupEnv)
}

// Parse parses and validates a config file's contents. file names it in
// errors and its folder anchors relative paths. getenv looks up ${VAR}
// (nil: the process environment). Every problem found is returned, each an
// *Error, joined.
func Parse(data []byte, file string, getenv func(string) (string, bool)) (*Config, error) {
	return parse(data, file, filepath.Dir(file), getenv)
}

func parse(data []byte, file, dir string, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	d := newDecoder(file)
	root, err := parseDocument(data, file)
	if err != nil {
		return nil, err
	}
	c := &Config{File: file, Dir: dir, sensitive: map[*yaml.Node]bool{}}
	c.Log = Log{Format: "text", Level: "info"}
	c.Sync = Sync{History: DefaultHistory, BatchSize: DefaultBatchSize, ShutdownTimeout: DefaultShutdownTimeout}
	if root != nil {
		if root.Kind != yaml.MappingNode {
			return nil, &Error{File: file, Line: root.Line, Err: fmt.Errorf("expected a mapping of settings at the top, got %s", kindName(root))}
		}
		d.lines[""] = root.Line
		d.expandEnv(root, "", getenv, c.sensitive)
		d.decode(root, "", reflect.ValueOf(c).Elem(), 0)
	}
	for i := range c.Connectors {
		c.Connectors[i].Field = indexField("connectors", i)
	}
	for i := range c.Deployments {
		c.Deployments[i].Field = indexField("deployments", i)
	}
	for i := range c.Calendar {
		c.Calendar[i].Field = indexField("calendar", i)
	}
	for i := range c.Webhooks {
		c.Webhooks[i].Field = indexField("webhooks", i)
	}
	c.lines, c.parents = d.lines, d.parents
	c.validate(d)
	if len(d.errs) > 0 {
		return nil, joinSorted(d.errs)
	}
	return c, nil
}

// parseDocument parses data as exactly one YAML document and returns its
// root node, or nil for a file that is empty or only comments.
func parseDocument(data []byte, file string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(file, err)
	default:
		return nil, &Error{File: file, Line: extra.Line, Err: errors.New("a second YAML document: the config is one document (remove the ---)")}
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, nil
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns yaml.v3's "yaml: line 3: ..." into file:3: ...
func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Err: errors.New(msg[len(m[0]):])}
	}
	return &Error{File: file, Err: errors.New(yamlMessage(err))}
}

// Line returns the line in the file of a field path such as
// "connectors[0].settings" or "deployments[1].units[0]", or of its nearest
// ancestor present in the file; 0 when unknown.
func (c *Config) Line(field string) int {
	if c == nil {
		return 0
	}
	for f := field; f != ""; f = parentField(f) {
		if _, ok := c.lines[f]; ok {
			return lineIn(c.lines, c.parents, f)
		}
	}
	return c.lines[""]
}

// parentField strips the last step of a field path: ".name", "[3]" or
// `["/Staff"]`.
func parentField(f string) string {
	if strings.HasSuffix(f, `"]`) {
		if i := strings.LastIndex(f, `["`); i >= 0 {
			return f[:i]
		}
	}
	if i := strings.LastIndexAny(f, ".["); i >= 0 {
		return f[:i]
	}
	return ""
}

// Connector returns the connector entry named name, or nil.
func (c *Config) Connector(name string) *Connector {
	for i := range c.Connectors {
		if c.Connectors[i].Name == name {
			return &c.Connectors[i]
		}
	}
	return nil
}

// String renders the config redacted, so printing a Config never shows a secret.
func (c *Config) String() string {
	out, err := c.Redacted()
	if err != nil {
		return "config " + c.File + ": " + err.Error()
	}
	return string(out)
}
