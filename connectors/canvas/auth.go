package canvas

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// tokenSource gives the bearer token for the next request. invalidate
// drops a token Canvas refused, so the next call gets a fresh one; it
// reports whether a fresh one can exist (a static token cannot change).
type tokenSource interface {
	token(ctx context.Context) (string, error)
	invalidate() bool
}

type staticToken string

func (t staticToken) token(context.Context) (string, error) { return string(t), nil }
func (staticToken) invalidate() bool                        { return false }

// refreshing trades a developer key's refresh token for access tokens at
// /login/oauth2/token, reusing each until it expires or Canvas refuses it.
type refreshing struct {
	cfg     oauth2.Config
	refresh string
	client  *http.Client

	mu  sync.Mutex
	src oauth2.TokenSource
}

func newRefreshing(s Settings, client *http.Client) *refreshing {
	r := &refreshing{
		cfg: oauth2.Config{
			ClientID:     s.ClientID,
			ClientSecret: s.ClientSecret.Value(),
			Endpoint:     oauth2.Endpoint{TokenURL: s.BaseURL + "/login/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		},
		refresh: s.RefreshToken.Value(),
		client:  client,
	}
	r.src = r.fresh()
	return r
}

func (r *refreshing) fresh() oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, r.client)
	return r.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: r.refresh})
}

func (r *refreshing) token(ctx context.Context) (string, error) {
	r.mu.Lock()
	src := r.src
	r.mu.Unlock()
	type result struct {
		t   *oauth2.Token
		err error
	}
	// The oauth2 package cannot take a context per call; wait for it
	// here so that a cancelled sync does not hang on the token endpoint.
	ch := make(chan result, 1)
	go func() {
		t, err := src.Token()
		ch <- result{t, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return "", res.err
		}
		return res.t.AccessToken, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (r *refreshing) invalidate() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.src = r.fresh()
	return true
}

// tokenRefusal extracts Canvas's words from a refused token request.
func tokenRefusal(err error) (code int, reason, message string, ok bool) {
	var rerr *oauth2.RetrieveError
	if !errors.As(err, &rerr) {
		return 0, "", "", false
	}
	if rerr.Response != nil {
		code = rerr.Response.StatusCode
	}
	reason, message = rerr.ErrorCode, rerr.ErrorDescription
	if message == "" {
		message = string(rerr.Body)
	}
	return code, reason, message, true
}
