package bearer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
)

// Static is an oauth2token.Source of one token set in the config: Invalidate cannot
// replace it, so Get hands a 401 back at once instead of sending the
// same token again.
type Static string

// Token returns the token.
func (s Static) Token(context.Context) (string, error) { return string(s), nil }

// Invalidate does nothing: there is no other token to get.
func (Static) Invalidate() {}

// Answer is a vendor's answer to Get, its body read whole.
type Answer struct {
	Code   int
	Header http.Header
	Body   []byte
}

// TokenError is Get's failure to get an access token from its Source; Err
// is the Source's error (oauth2token.Refused finds the token endpoint's
// refusal in it).
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "getting an access token: " + e.Err.Error() }
func (e *TokenError) Unwrap() error { return e.Err }

// Get sends a GET of rawURL through client with src's token as the bearer,
// asking for JSON, and returns the answer whatever its status: the
// vendor's error body is the caller's to read. A 401 invalidates the token
// and, once, sends the request again with a fresh one (through an
// httpretry client, with a fresh retry budget); a Static token's 401 is
// returned as it is.
//
// Its errors: ctx's own error once ctx is done; a *TokenError when src
// gives no token; else the transport's error, without the *url.Error
// wrapping that repeats the URL (callers name the call instead, and a
// signed or token-bearing URL stays out of the message).
func Get(ctx context.Context, client *http.Client, src oauth2token.Source, rawURL string) (*Answer, error) {
	_, static := src.(Static)
	for renewed := static; ; renewed = true {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tok, err := src.Token(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &TokenError{Err: err}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if ctx.Err() != nil {
			if err == nil {
				resp.Body.Close()
			}
			return nil, ctx.Err()
		}
		if err != nil {
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err
			}
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && !renewed {
			src.Invalidate()
			continue
		}
		return &Answer{Code: resp.StatusCode, Header: resp.Header, Body: body}, nil
	}
}
