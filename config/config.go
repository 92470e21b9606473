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

	lines     map[string]int
	parents   map[string]string
	sensitive map[*yaml.Node]bool // scalars filled from secret-looking variables
}

// Store is the license store.
type Store struct {
	Path string `yaml:"path"` // bbolt file; absolute after Parse
}

// SyncState is the sync state database (runs, pending plans, run-time
// deployments), a bbolt file of its own.
type SyncState struct {
	Path string `yaml:"path"` // absolute after Parse; default: syncstate.db beside the store
}

// HTTP is the listener for the dashboard, the admin API, metrics and health.
type HTTP struct {
	Listen string `yaml:"listen"` // host:port
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

	Field string `yaml:"-"` // e.g. "deployments[1]"
}

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
