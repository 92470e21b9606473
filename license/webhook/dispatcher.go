package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 8
	DefaultBaseDelay   = time.Second
	DefaultMaxDelay    = 10 * time.Minute
	DefaultPoll        = 30 * time.Second
	DefaultTimeout     = 10 * time.Second
	batchSize          = 100
)

// Options are the dispatcher's dependencies.
type Options struct {
	Outbox license.Outbox
	// Secrets maps a webhook ID to its signing secret (from the config;
	// the store never holds it). A webhook without one is not delivered.
	Secrets map[string]string
	Client  *http.Client // nil: one with DefaultTimeout that follows no redirect
	Logger  *slog.Logger
	Now     func() time.Time
	// MaxAttempts per event before it goes to the dead-letter list.
	MaxAttempts int
	// BaseDelay doubles per failed attempt, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// Poll is how often webhooks are looked at when the feed is quiet.
	Poll time.Duration
}

// Delivery is the JSON body of one delivery.
type Delivery struct {
	ID      string         `json:"id"` // rollcall-<cursor>, also the idempotency key
	Cursor  uint64         `json:"cursor"`
	Webhook string         `json:"webhook"`
	Type    license.Action `json:"type"`
	Time    time.Time      `json:"time"`
	License string         `json:"license"`
	Email   string         `json:"email,omitempty"`
	Source  license.Source `json:"source,omitempty"`
	Actor   string         `json:"actor,omitempty"`
	Detail  string         `json:"detail,omitempty"`
}

// Dispatcher delivers the change feed to the stored webhooks.
type Dispatcher struct {
	o     Options
	mu    sync.Mutex
	state map[string]*hookState
}

type hookState struct {
	attempts int
	next     time.Time
	lastErr  string
}

// New returns a dispatcher; Run starts it.
func New(o Options) (*Dispatcher, error) {
	if o.Outbox == nil {
		return nil, errors.New("webhook: an outbox is required")
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: DefaultTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer, not a place to send signed data
		}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	return &Dispatcher{o: o, state: map[string]*hookState{}}, nil
}

// Run delivers until ctx is done: at once, whenever the feed grows, when a
// retry is due, and every Poll.
func (d *Dispatcher) Run(ctx context.Context) {
	for {
		changed := d.o.Outbox.FeedChanged()
		wait := d.o.Poll
		if next, err := d.Deliver(ctx); err != nil && ctx.Err() == nil {
			d.o.Logger.Warn("webhook deliveries", "err", err)
		} else if !next.IsZero() {
			wait = min(wait, max(next.Sub(d.o.Now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// Deliver makes one pass: each webhook whose retry is due gets its next
// events, in order, until one fails. It returns when the earliest retry
// is due (zero: none waiting).
func (d *Dispatcher) Deliver(ctx context.Context) (time.Time, error) {
	hooks, err := d.o.Outbox.Webhooks(ctx, "")
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	var errs []error
	for _, w := range hooks {
		due, err := d.deliverHook(ctx, w)
		if err != nil {
			errs = append(errs, err)
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next, errors.Join(errs...)
}

func (d *Dispatcher) hook(id string) *hookState {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.state[id]
	if st == nil {
		st = &hookState{}
		d.state[id] = st
	}
	return st
}

func (d *Dispatcher) deliverHook(ctx context.Context, w license.Webhook) (time.Time, error) {
	secret, ok := d.o.Secrets[w.ID]
	if !ok {
		return time.Time{}, nil // not in the config any more: nothing to sign with
	}
	st := d.hook(w.ID)
	d.mu.Lock()
	due := st.next
	d.mu.Unlock()
	if d.o.Now().Before(due) {
		return due, nil
	}
	cursor := w.Cursor
	for {
		evs, err := d.o.Outbox.Feed(ctx, license.FeedQuery{After: cursor, License: w.License, Limit: batchSize})
		if err != nil {
			return time.Time{}, err
		}
		if len(evs) == 0 {
			return time.Time{}, nil
		}
		for _, ev := range evs {
			if err := ctx.Err(); err != nil {
				return time.Time{}, err
			}
			serr := d.send(ctx, w, secret, ev)
			if serr == nil {
				crashPoint("webhook-after-send", ev.Cursor)
				if err := d.o.Outbox.AdvanceWebhook(ctx, w.ID, ev.Cursor, nil); err != nil {
					return time.Time{}, err
				}
				d.update(st, func() { st.attempts, st.lastErr = 0, "" })
				cursor = ev.Cursor
				continue
			}
			var attempts int
			d.update(st, func() { st.attempts++; st.lastErr = serr.Error(); attempts = st.attempts })
			if attempts >= d.o.MaxAttempts {
				dead := &license.DeadLetter{Event: ev.Event, Attempts: attempts, Error: serr.Error(), Time: d.o.Now()}
				if err := d.o.Outbox.AdvanceWebhook(ctx, w.ID, ev.Cursor, dead); err != nil {
					return time.Time{}, err
				}
				d.o.Logger.Error("webhook delivery given up: dead-lettered", "webhook", w.ID, "cursor", ev.Cursor, "attempts", attempts, "err", serr)
				d.update(st, func() { st.attempts, st.lastErr = 0, "" })
				cursor = ev.Cursor
				continue
			}
			next := d.o.Now().Add(d.backoff(attempts))
			d.update(st, func() { st.next = next })
			d.o.Logger.Warn("webhook delivery failed; will retry", "webhook", w.ID, "cursor", ev.Cursor, "attempt", attempts, "retry_at", next, "err", serr)
			return next, nil
		}
	}
}

func (d *Dispatcher) update(_ *hookState, fn func()) {
	d.mu.Lock()
	fn()
	d.mu.Unlock()
}

// backoff is the wait after the n-th failed attempt: BaseDelay·2^(n-1),
// at most MaxDelay.
func (d *Dispatcher) backoff(n int) time.Duration {
	b := d.o.BaseDelay
	for i := 1; i < n && b < d.o.MaxDelay; i++ {
		b *= 2
	}
	return min(b, d.o.MaxDelay)
}

// send posts one event; nil only for a 2xx answer.
func (d *Dispatcher) send(ctx context.Context, w license.Webhook, secret string, ev license.FeedEvent) error {
	if err := license.CheckWebhookURL(w.URL, w.InsecureLoopback); err != nil {
		return err
	}
	key := "rollcall-" + strconv.FormatUint(ev.Cursor, 10)
	body, err := json.Marshal(Delivery{ID: key, Cursor: ev.Cursor, Webhook: w.ID, Type: ev.Action, Time: ev.Time, License: ev.License,
		Email: ev.Email, Source: ev.Source, Actor: ev.Actor, Detail: ev.Detail})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rollcall-webhook/1")
	req.Header.Set(HeaderSignature, Sign(secret, d.o.Now(), body))
	req.Header.Set(HeaderIdempotency, key)
	req.Header.Set(HeaderEvent, string(ev.Action))
	req.Header.Set(HeaderDelivery, w.ID+"-"+strconv.FormatUint(ev.Cursor, 10))
	crashPoint("webhook-before-send", ev.Cursor)
	resp, err := d.o.Client.Do(req)
	if err != nil {
		return fmt.Errorf("post to webhook %s: %w", w.ID, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s answered %s", w.ID, resp.Status)
	}
	return nil
}

// Status is what the dispatcher knows of a webhook's current trouble.
type Status struct {
	Attempts int       `json:"attempts"`
	Next     time.Time `json:"next_attempt,omitzero"`
	Error    string    `json:"error,omitempty"`
}

// Status returns a webhook's retry state (zero when delivering fine).
func (d *Dispatcher) Status(id string) Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := d.state[id]; st != nil {
		return Status{Attempts: st.attempts, Next: st.next, Error: st.lastErr}
	}
	return Status{}
}
