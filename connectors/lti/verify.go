package lti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clockSkew is the leeway on exp and iat, as 1EdTech's security framework
// allows for clocks that differ a little.
const clockSkew = time.Minute

// LaunchError is a refused launch: what the person launching sees, and
// the status it is answered with. It never carries a token.
type LaunchError struct {
	Code int
	Msg  string
}

func (e *LaunchError) Error() string { return e.Msg }

func refuse(code int, format string, args ...any) *LaunchError {
	return &LaunchError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// claims are the id_token's LTI claims the tool reads (LTI 1.3 core §5).
type claims struct {
	Nonce        string   `json:"nonce"`
	AZP          string   `json:"azp"`
	Name         string   `json:"name"`
	Email        string   `json:"email"`
	MessageType  string   `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version      string   `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID string   `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	Roles        []string `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	Context      *struct {
		ID    string `json:"id"`
		Label string `json:"label"`
		Title string `json:"title"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/context"`
	NRPS *struct {
		MembershipsURL  string   `json:"context_memberships_url"`
		ServiceVersions []string `json:"service_versions"`
	} `json:"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"`
}

// platformKeys caches a platform's JWKS and fetches it again when a
// launch names a kid it does not hold (the platform rotated its key); a
// stream of unknown kids refetches at most once every refetchEvery.
type platformKeys struct {
	url    string
	client *http.Client
	mu     sync.Mutex
	set    *jose.JSONWebKeySet
	missAt time.Time // last fetch caused by an unknown kid
}

const refetchEvery = 5 * time.Second

func (k *platformKeys) key(ctx context.Context, kid string, now time.Time) (*jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.set != nil {
		if ks := k.set.Key(kid); len(ks) > 0 {
			return &ks[0], nil
		}
		if now.Sub(k.missAt) < refetchEvery {
			return nil, refuse(http.StatusUnauthorized, "the launch is signed with key %q, which the platform's JWKS does not list", kid)
		}
		k.missAt = now
	}
	set, err := fetchJWKS(ctx, k.client, k.url)
	if err != nil {
		return nil, refuse(http.StatusBadGateway, "cannot read the platform's public keys at %s: %v", k.url, err)
	}
	k.set = set
	if ks := set.Key(kid); len(ks) > 0 {
		return &ks[0], nil
	}
	return nil, refuse(http.StatusUnauthorized, "the launch is signed with key %q, which the platform's JWKS does not list", kid)
}

func fetchJWKS(ctx context.Context, client *http.Client, url string) (*jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("not a JWKS: %w", err)
	}
	return &set, nil
}

// verified is a launch that passed every check.
type verified struct {
	Subject string
	claims
}

// verify checks an id_token against the connector's registration and the
// nonce the login issued (LTI 1.3 core §5.1.3; security framework §5.1.3).
func verify(ctx context.Context, c *Connector, keys *platformKeys, raw, nonce string, now time.Time) (*verified, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512})
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "the id_token is not a JWT signed with RS256: %v", err)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, refuse(http.StatusBadRequest, "the id_token names no signing key (kid)")
	}
	key, err := keys.key(ctx, tok.Headers[0].KeyID, now)
	if err != nil {
		return nil, err
	}
	var std jwt.Claims
	var lc claims
	if err := tok.Claims(key.Key, &std, &lc); err != nil {
		return nil, refuse(http.StatusUnauthorized, "the id_token's signature does not verify against the platform's key %q", tok.Headers[0].KeyID)
	}
	switch {
	case std.Issuer != c.s.Issuer:
		return nil, refuse(http.StatusUnauthorized, "the id_token comes from issuer %q, not the registered %q", std.Issuer, c.s.Issuer)
	case !slices.Contains(std.Audience, c.s.ClientID):
		return nil, refuse(http.StatusUnauthorized, "the id_token is for audience %v, not Rollcall's client id %q", []string(std.Audience), c.s.ClientID)
	case len(std.Audience) > 1 && lc.AZP == "":
		return nil, refuse(http.StatusUnauthorized, "the id_token has several audiences and no azp")
	case lc.AZP != "" && lc.AZP != c.s.ClientID:
		return nil, refuse(http.StatusUnauthorized, "the id_token's azp %q is not Rollcall's client id %q", lc.AZP, c.s.ClientID)
	case std.Expiry == nil || std.IssuedAt == nil:
		return nil, refuse(http.StatusUnauthorized, "the id_token has no exp or iat")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Time: now}, clockSkew); err != nil {
		switch {
		case errors.Is(err, jwt.ErrExpired):
			return nil, refuse(http.StatusUnauthorized, "the id_token expired at %s", std.Expiry.Time().UTC().Format(time.RFC3339))
		default:
			return nil, refuse(http.StatusUnauthorized, "the id_token's times do not hold: %v", err)
		}
	}
	switch {
	case lc.Nonce == "" || lc.Nonce != nonce:
		return nil, refuse(http.StatusUnauthorized, "the id_token's nonce is not the one this login issued (a replayed launch?)")
	case lc.MessageType != "LtiResourceLinkRequest":
		return nil, refuse(http.StatusBadRequest, "message type %q is not supported: Rollcall takes resource link launches", lc.MessageType)
	case lc.Version != "1.3.0":
		return nil, refuse(http.StatusBadRequest, "LTI version %q is not supported: Rollcall takes 1.3.0", lc.Version)
	case !slices.Contains(c.s.DeploymentIDs, lc.DeploymentID):
		return nil, refuse(http.StatusForbidden, "deployment id %q is not registered for this platform (settings.deployment_ids of connector %q)", lc.DeploymentID, c.name)
	case lc.Context == nil || lc.Context.ID == "":
		return nil, refuse(http.StatusBadRequest, "the launch has no course context: launch Rollcall from a course")
	}
	return &verified{Subject: std.Subject, claims: lc}, nil
}
