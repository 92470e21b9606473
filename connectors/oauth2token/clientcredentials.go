package oauth2token

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientCredentials is a cached client-credentials grant: cfg's token
// endpoint is asked through client (which may retry 5xx) with the caller's
// context, so a cancelled sync never waits on it.
func ClientCredentials(cfg clientcredentials.Config, client *http.Client) *Cached {
	return NewCached(func(ctx context.Context) (*oauth2.Token, error) {
		return cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, client))
	})
}
