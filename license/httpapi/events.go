package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Long-poll bounds of GET /events.
const (
	defaultEventsWait = 25 * time.Second
	maxEventsWait     = 60 * time.Second
	maxEventsLimit    = 1000
)

var errNoFeed = errorf(404, CodeNotConfigured, "this server's store keeps no change feed")

// events answers the change feed after a cursor: of one license (its
// managers, operators) or of every license (operators). With nothing new
// it waits (long poll) up to wait for the next commit.
func (s *server) events(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	out, ok := s.store.(license.Outbox)
	if !ok {
		return errNoFeed
	}
	q := r.URL.Query()
	lic := q.Get("license")
	if lic == "" {
		if err := s.az.CanOperate(p); err != nil {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "license", Message: "name the license whose events to read (only operators read every license's)"}
		}
	} else if err := s.az.CanManageLicense(r.Context(), p, lic); err != nil {
		return err
	}
	var after uint64
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "after", Message: "after is a cursor: a whole number from 0"}
		}
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxEventsLimit {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "limit", Message: "limit must be a whole number from 1 to 1000"}
		}
	}
	wait := defaultEventsWait
	if v := q.Get("wait"); v != "" {
		if wait, err = time.ParseDuration(v); err != nil || wait < 0 || wait > maxEventsWait {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "wait", Message: "wait is a duration from 0s to 60s, e.g. 30s"}
		}
	}
	fq := license.FeedQuery{After: after, License: lic, Limit: limit}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		changed := out.FeedChanged() // before reading: a commit in between still wakes us
		evs, err := out.Feed(r.Context(), fq)
		if err != nil {
			return err
		}
		if len(evs) > 0 || wait == 0 {
			next := after
			if len(evs) > 0 {
				next = evs[len(evs)-1].Cursor
			}
			writeJSON(w, 200, map[string]any{"events": orEmpty(evs), "next": next})
			return nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			wait = 0
		case <-r.Context().Done():
			return nil // the client left
		}
	}
}

// webhooks lists a license's webhooks with their place in the feed and
// their dead letters.
func (s *server) webhooks(w http.ResponseWriter, r *http.Request) error {
	_, id, err := s.managedLicense(r)
	if err != nil {
		return err
	}
	out, ok := s.store.(license.Outbox)
	if !ok {
		return errNoFeed
	}
	hooks, err := out.Webhooks(r.Context(), id)
	if err != nil {
		return err
	}
	type hookView struct {
		license.Webhook
		DeadLetters []license.DeadLetter `json:"dead_letters"`
	}
	views := []hookView{}
	for _, h := range hooks {
		dl, err := out.DeadLetters(r.Context(), h.ID)
		if err != nil {
			return err
		}
		views = append(views, hookView{Webhook: h, DeadLetters: orEmpty(dl)})
	}
	writeJSON(w, 200, map[string]any{"webhooks": views})
	return nil
}
