package googleauth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// Config is what NewClient needs of a Google connector: its delegation
// settings, its scopes, and the dependencies of connectors.OpenOptions.
type Config struct {
	Name string // connector instance name, for metrics and logs

	CredentialsFile       string // service account key; relative to BaseDir
	BaseDir               string
	UseApplicationDefault bool
	Subject               string // the user impersonated
	TokenURL              string // overrides the key file's token_uri
	Scopes                []string

	Retry Retry // zero fields: defaults

	// Base is the transport under the retries; nil: a clone of
	// http.DefaultTransport with a one-minute response header timeout.
	Base     http.RoundTripper
	Upstream connectors.UpstreamObserver // nil: none
	Logger   *slog.Logger                // nil: discard
	Clock    Clock                       // nil: the wall clock
	Jitter   func(n int64) int64         // uniform in [0, n); nil: math/rand/v2
}

// NewClient builds the HTTP client a Google connector hands the generated
// client (option.WithHTTPClient), offline: a key file is read and checked
// here, application default credentials are looked up at the first call.
func NewClient(c Config) (*http.Client, error) {
	c.Retry = c.Retry.WithDefaults()
	base := c.Base
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = time.Minute
		base = t
	}
	retrying := &httpretry.Transport{
		Next: base, Policy: c.Retry, Classify: classify, Clock: c.Clock, Jitter: c.Jitter,
		Observer: c.Upstream, Name: c.Name, Vendor: "Google", Logger: c.Logger,
	}
	// Token requests go through the same retries (and metrics) as API calls.
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: retrying})
	src, err := newTokenSource(tokenCtx, &c)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &reauthTransport{
		next: &oauth2.Transport{Source: src, Base: retrying},
		src:  src,
	}}, nil
}

// ClientOptions are the options for a generated client's NewService: the
// HTTP client, and the endpoint when set (with the trailing slash the
// generated client joins paths onto).
func ClientOptions(client *http.Client, endpoint string) []option.ClientOption {
	opts := []option.ClientOption{option.WithHTTPClient(client)}
	if endpoint != "" {
		if !strings.HasSuffix(endpoint, "/") {
			endpoint += "/"
		}
		opts = append(opts, option.WithEndpoint(endpoint))
	}
	return opts
}
