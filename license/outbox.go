package license

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Actions the sync side records for changes it did not apply, so the
// change feed and the audit trail show them beside the applied ones.
const (
	ActionChangeHeld    Action = "change.held"    // a guard kept the change back for approval
	ActionChangeRefused Action = "change.refused" // the mode or a guard dropped the change
)

// FeedEvent is one entry of the change feed: an audit event of any license
// with the feed's monotonic Cursor, which orders every license's changes
// as they were committed.
type FeedEvent struct {
	Cursor uint64 `json:"cursor"`
	Event
}

// FeedQuery selects feed events.
type FeedQuery struct {
	After   uint64 // events with Cursor > After
	License string // only this license's when set
	Limit   int    // zero: 100
}

// Webhook is an outbound delivery of one license's change feed, with how
// far it has been delivered. The secret signs each delivery.
type Webhook struct {
	ID      string    `json:"id"` // from the config: its name
	License string    `json:"license"`
	URL     string    `json:"url"`
	Secret  string    `json:"-"`
	Cursor  uint64    `json:"cursor"`  // every event up to here was delivered (or dead-lettered)
	Created time.Time `json:"created"` // when the webhook was first stored
	// InsecureLoopback allows a plain-http URL to a loopback host (tests
	// and a receiver on the same machine); otherwise the URL must be https.
	InsecureLoopback bool `json:"insecure_loopback,omitempty"`
}

// DeadLetter is a delivery given up after its retries.
type DeadLetter struct {
	Webhook  string    `json:"webhook"`
	Cursor   uint64    `json:"cursor"`
	Event    Event     `json:"event"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error"`
	Time     time.Time `json:"time"`
}

// Outbox is the change feed and the webhook deliveries, kept in the store
// so that a change and its feed entry commit together: a crash between a
// commit and a delivery loses nothing, the delivery is retried from the
// webhook's stored cursor. Every Store backend implements it too, and
// passes storetest's outbox rules.
type Outbox interface {
	// Record appends events the sync side decided on (held, refused,
	// overflowed changes) to a license's audit trail and the feed.
	Record(ctx context.Context, licenseID string, evs []Event) error
	// Feed returns feed events after q.After, oldest first.
	Feed(ctx context.Context, q FeedQuery) ([]FeedEvent, error)
	// FeedChanged returns a channel closed at the next commit that adds to
	// the feed, for long polls.
	FeedChanged() <-chan struct{}
	// PutWebhook stores or updates a webhook (its cursor is kept; a new
	// one starts at the feed's end, or at From when it is set).
	PutWebhook(ctx context.Context, w Webhook) (Webhook, error)
	// Webhooks lists the webhooks of a license ("" = all), by ID.
	Webhooks(ctx context.Context, licenseID string) ([]Webhook, error)
	// DeleteWebhook removes a webhook and its dead letters.
	DeleteWebhook(ctx context.Context, id string) error
	// AdvanceWebhook moves a webhook's cursor forward to cursor, storing
	// dead when the delivery up to it was given up. A cursor not ahead of
	// the stored one changes nothing.
	AdvanceWebhook(ctx context.Context, id string, cursor uint64, dead *DeadLetter) error
	// DeadLetters lists a webhook's dead letters, oldest first.
	DeadLetters(ctx context.Context, id string) ([]DeadLetter, error)
}

// CheckWebhookURL refuses a URL deliveries must not go to: anything but
// https, except http to a loopback host when insecureLoopback is set.
func CheckWebhookURL(raw string, insecureLoopback bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &FieldError{Field: "url", Value: raw, Reason: "is not an absolute URL"}
	}
	if u.User != nil {
		return &FieldError{Field: "url", Value: u.Redacted(), Reason: "must not carry credentials; the secret signs deliveries"}
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecureLoopback && isLoopback(u.Hostname()) {
			return nil
		}
		return &FieldError{Field: "url", Value: raw, Reason: "must be https (plain http only to a loopback host with insecure_loopback)"}
	}
	return &FieldError{Field: "url", Value: raw, Reason: fmt.Sprintf("scheme %q: must be https", u.Scheme)}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
