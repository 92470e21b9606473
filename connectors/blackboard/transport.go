package blackboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/bearer"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
)

// maxBody bounds a response body: a page of 100 memberships with users
// is about 100 KB.
const maxBody = 16 << 20

// get fetches rawURL (absolute, on the base URL's host) and returns the
// body of a 2xx answer. Retries on Learn's signals happen in the
// httpretry.Transport under c.http, with classify. A refused token (401)
// is renewed once, as tokens expire after an hour and Learn may drop them
// sooner; the renewed request starts a fresh retry budget.
func (c *Connector) get(ctx context.Context, call, rawURL string) ([]byte, error) {
	ans, err := bearer.Get(ctx, c.http, c.auth, rawURL)
	if err != nil {
		return nil, c.getError(ctx, call, err)
	}
	if ans.Code >= 200 && ans.Code < 300 {
		return ans.Body, nil
	}
	e := &APIError{Connector: c.name, Call: call, Code: ans.Code, Message: learnMessage(ans.Body, ans.Header.Get("Content-Type")),
		RateLimited: ans.Code == http.StatusTooManyRequests}
	if e.RateLimited {
		e.ResetIn = resetIn(ans.Header)
	}
	return nil, e
}

// getError words a GET that got no answer: ctx's end, no access token,
// or the transport's error.
func (c *Connector) getError(ctx context.Context, call string, err error) error {
	var tokErr *bearer.TokenError
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	case errors.As(err, &tokErr):
		return c.tokenError(ctx, call, tokErr.Err)
	}
	return &APIError{Connector: c.name, Call: call, Err: err}
}

// maxWait caps what one Learn answer may ask a retry to wait: Learn's
// quota window is a day, and a sync should fail and say so rather than
// sleep through it (the retry policy's max_elapsed gives up sooner).
const maxWait = 24 * time.Hour

// classify is httpretry.Standard with Learn's wait for a 429: its
// X-Rate-Limit-Reset (seconds until the quota's window resets) when there
// is no Retry-After.
func classify(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration) {
	retry, reason, wait = httpretry.Standard(resp, err, now)
	if retry && err == nil && resp.StatusCode == http.StatusTooManyRequests && wait == 0 {
		wait = resetIn(resp.Header)
	}
	return retry, reason, min(wait, maxWait)
}

// resetIn reads X-Rate-Limit-Reset as seconds.
func resetIn(h http.Header) time.Duration {
	n, err := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, maxWait)
}

// tokenError wraps a failure to get an access token.
func (c *Connector) tokenError(ctx context.Context, call string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if ref, ok := oauth2token.Refused(err); ok {
		msg := ref.Description
		if msg == "" {
			msg = ref.ErrorCode
		}
		return &APIError{Connector: c.name, Call: call + ": getting an access token", Code: ref.Code, Reason: ref.ErrorCode,
			Message: errbody.Clip(msg), Token: true}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return &APIError{Connector: c.name, Call: call + ": getting an access token", Token: true, Err: err}
}
