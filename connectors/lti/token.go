package lti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ScopeNRPS is the scope of reading course rosters.
const ScopeNRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

// assertionType is RFC 7523's client assertion type.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenMargin renews an access token this long before it expires.
const tokenMargin = 30 * time.Second

// accessToken returns a cached token for ScopeNRPS or asks the platform
// for one. Token requests are sent once, never retried: a retry would
// replay the assertion's jti, which the platform must refuse.
func (c *Connector) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.clock.Now().Before(c.tokenExp.Add(-tokenMargin)) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	const call = "get an access token"
	assertion, err := clientAssertion(c.key, c.s.ClientID, c.s.TokenAudience, time.Now())
	if err != nil {
		return "", fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
		"scope":                 {ScopeNRPS},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.raw.Do(req)
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", &APIError{Connector: c.name, Call: call, Token: true, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", &APIError{Connector: c.name, Call: call, Token: true, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		oerr, msg := platformMessage(resp.StatusCode, body, resp.Header.Get("Content-Type"))
		return "", &APIError{Connector: c.name, Call: call, Token: true, Code: resp.StatusCode, OAuthError: oerr, Message: msg,
			RateLimited: resp.StatusCode == http.StatusTooManyRequests}
	}
	var t struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return "", fmt.Errorf("%s: %s: the token endpoint's answer has no access_token", c.prefix(), call)
	}
	if t.ExpiresIn <= 0 {
		t.ExpiresIn = 3600
	}
	c.mu.Lock()
	c.token, c.tokenExp = t.AccessToken, c.clock.Now().Add(time.Duration(t.ExpiresIn)*time.Second)
	c.mu.Unlock()
	return t.AccessToken, nil
}

// dropToken forgets a token the platform no longer takes.
func (c *Connector) dropToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// Check tests the registration with one call: an access token for
// reading rosters, which proves the client id, the token URL and that the
// platform has the tool's public key.
func (c *Connector) Check(ctx context.Context) error {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
	_, err := c.accessToken(ctx)
	return err
}
