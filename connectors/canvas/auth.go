package canvas

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/rollcall-sync/rollcall/connectors/oauth2token"
)

// refreshGrant trades a developer key's refresh token for access tokens
// at /login/oauth2/token, reusing each until it expires or Canvas refuses
// it. Canvas answers a refresh grant without a new refresh token, so every
// grant spends the configured one. Token requests go through client,
// which does not retry: a refused developer key is reported at once.
func refreshGrant(s Settings, client *http.Client) *oauth2token.Cached {
	cfg := oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret.Value(),
		Endpoint:     oauth2.Endpoint{TokenURL: s.BaseURL + "/login/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	refresh := s.RefreshToken.Value()
	return oauth2token.NewCached(func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	})
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
