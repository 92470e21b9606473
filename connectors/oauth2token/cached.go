package oauth2token

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/oauth2"
)

// Source gives the bearer token for the next request. Invalidate drops a
// token the vendor refused, so that the next Token fetches a fresh one.
type Source interface {
	Token(ctx context.Context) (string, error)
	Invalidate()
}

// Cached hands out one access token until it expires (with the oauth2
// package's margin) or is invalidated, fetching at most one at a time. It
// is safe for concurrent use.
type Cached struct {
	fetch func(ctx context.Context) (*oauth2.Token, error)

	mu  sync.Mutex
	tok *oauth2.Token
}

// NewCached caches the tokens fetch returns.
func NewCached(fetch func(ctx context.Context) (*oauth2.Token, error)) *Cached {
	return &Cached{fetch: fetch}
}

// Token returns the cached access token, or fetches a new one.
func (c *Cached) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.Valid() {
		return c.tok.AccessToken, nil
	}
	t, err := c.fetch(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", err
	}
	if t == nil || t.AccessToken == "" {
		return "", errors.New("the token endpoint answered no access_token")
	}
	c.tok = t
	return t.AccessToken, nil
}

// Invalidate drops the cached token.
func (c *Cached) Invalidate() {
	c.mu.Lock()
	c.tok = nil
	c.mu.Unlock()
}
