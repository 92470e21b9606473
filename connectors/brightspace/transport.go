package brightspace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/bearer"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
)

// maxBody bounds a response body: a page of 100 enrollments is ~20 KB.
const maxBody = 16 << 20

// maxPause caps one pause for a low credit bucket; D2L's bucket refills
// every minute.
const maxPause = time.Minute

// get fetches rawURL (absolute, on the base URL's host) and returns the
// body of a 2xx answer. Retries on 429 and 5xx happen in the
// httpretry.Transport under c.http. A refused access token (401) is
// renewed once, spending the refresh token; the renewed request starts a
// fresh retry budget.
func (c *Connector) get(ctx context.Context, call, rawURL string) ([]byte, error) {
	ans, err := bearer.Get(ctx, c.http, c.auth, rawURL)
	if err != nil {
		return nil, c.getError(ctx, call, err)
	}
	if ans.Code >= 200 && ans.Code < 300 {
		if err := c.pace(ctx, ans.Header); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		return ans.Body, nil
	}
	return nil, &APIError{Connector: c.name, Call: call, Code: ans.Code, Message: message(ans.Body, ans.Header.Get("Content-Type")),
		RateLimited: ans.Code == http.StatusTooManyRequests}
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

// pace waits for the bucket to refill when few credits are left, so a
// long sync yields before Brightspace answers 429.
func (c *Connector) pace(ctx context.Context, h http.Header) error {
	remaining, err := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	if err != nil || remaining >= c.s.LowWater {
		return nil
	}
	reset, err := strconv.Atoi(h.Get("X-Rate-Limit-Reset"))
	if err != nil || reset <= 0 {
		return nil
	}
	wait := min(time.Duration(reset)*time.Second, maxPause)
	c.log.LogAttrs(ctx, slog.LevelDebug, "Brightspace credit bucket is low; pausing",
		slog.Int("remaining", remaining), slog.Duration("pause", wait))
	return c.clock.Sleep(ctx, wait)
}

// tokenError wraps a failure to get an access token.
func (c *Connector) tokenError(ctx context.Context, call string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if ref, ok := oauth2token.Refused(err); ok {
		msg := ref.Description
		if ref.ErrorCode == "invalid_grant" {
			msg = "the refresh token is spent, expired or revoked; consent again and put the new refresh_token in the config"
		}
		return &APIError{Connector: c.name, Call: call + ": renewing the access token", Code: ref.Code, Reason: ref.ErrorCode,
			Message: errbody.Clip(msg), Token: true}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return &APIError{Connector: c.name, Call: call + ": renewing the access token", Token: true, Err: err}
}
