package connectors

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
)

// Config is one connector type's settings, decoded from the connector's
// `settings:` block in the config file. Validate checks the settings
// without touching the network; Open builds the connector, also offline.
type Config interface {
	Validate() error
	Open(opts OpenOptions) (Connector, error)
}

// OpenOptions are the dependencies a connector may use.
type OpenOptions struct {
	Name       string       // the connector instance's name from the config
	Logger     *slog.Logger // never nil
	HTTPClient *http.Client // nil: the connector builds its own
	// Upstream counts requests and retries to the vendor; never nil once
	// the engine opens the connector. Tests may leave it nil: use Observe.
	Upstream UpstreamObserver
	// BaseDir resolves relative paths in the settings (the config file's folder).
	BaseDir string
}

// UpstreamObserver receives one call per request a connector makes to its
// vendor, and one per retry; connectors/metrics implements it.
type UpstreamObserver interface {
	Request(connector string, code int)
	Retry(connector, reason string)
}

// Observe returns o, or a no-op observer when o is nil.
func Observe(o UpstreamObserver) UpstreamObserver {
	if o == nil {
		return nopObserver{}
	}
	return o
}

type nopObserver struct{}

func (nopObserver) Request(string, int)  {}
func (nopObserver) Retry(string, string) {}

// registry maps a connector type name to a constructor of its empty
// Config. It is filled from init functions of the vendor packages and only
// read afterwards.
var registry = struct {
	sync.RWMutex
	m map[string]func() Config
}{m: map[string]func() Config{}}

// Register makes a connector type available by name. Vendor packages call it
// from init; registering a name twice panics, as that is a programming error.
func Register(typ string, newConfig func() Config) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[typ]; dup {
		panic(fmt.Sprintf("connectors: type %q registered twice", typ))
	}
	registry.m[typ] = newConfig
}

// NewConfig returns an empty Config of the named type.
func NewConfig(typ string) (Config, error) {
	registry.RLock()
	f, ok := registry.m[typ]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown connector type %q (known: %v)", typ, Types())
	}
	return f(), nil
}

// Types lists the registered connector type names, sorted.
func Types() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.m))
	for t := range registry.m {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Exampler is implemented by a connector type's Config to document its
// settings: Example returns one complete connector entry of the config
// file (from "- name:" on, indented for the connectors: list), with every
// setting of the type commented, defaults shown and secrets as ${VAR}.
// `rollcall config example --connector TYPE` prints it.
type Exampler interface {
	Example() string
}
