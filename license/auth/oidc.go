package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/license"
)

// OIDCConfig configures OpenID Connect sign-in (e.g. Sign in with Google,
// issuer https://accounts.google.com).
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret config.Secret
	// RedirectURL is this server's callback, registered with the provider,
	// e.g. https://rollcall.district.org/api/v1/oidc/callback.
	RedirectURL string
	// AllowedDomains limits sign-in to these email domains; empty allows
	// any verified email (rights still come from the license store).
	AllowedDomains []string
	// Operators are emails that sign in as operators; everyone else is an admin.
	Operators []string
	// SessionTTL is how long a session lasts; zero is 12 hours.
	SessionTTL time.Duration
	// HTTPClient talks to the provider; nil is http.DefaultClient.
	HTTPClient *http.Client
}

// OIDC signs people in with an OpenID Connect provider: authorization code
// flow with state (bound to the browser by a cookie), nonce and PKCE, and
// the ID token verified by go-oidc against the provider's published keys.
type OIDC struct {
	cfg      OIDCConfig
	store    *Store
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	client   *http.Client
}

// loginTTL is how long a browser has to come back from the provider.
const loginTTL = 10 * time.Minute

// NewOIDC discovers the provider (a network call to the issuer) and builds
// the sign-in flow on store's sessions.
func NewOIDC(ctx context.Context, cfg OIDCConfig, store *Store) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("oidc: issuer, client id and redirect url are required: %w", ErrInvalid)
	}
	if _, err := url.Parse(cfg.RedirectURL); err != nil {
		return nil, fmt.Errorf("oidc: redirect url: %w", ErrInvalid)
	}
	for i, d := range cfg.AllowedDomains {
		n, err := license.NormalizeDomain(d)
		if err != nil {
			return nil, fmt.Errorf("oidc: allowed domains[%d]: %w", i, err)
		}
		cfg.AllowedDomains[i] = n
	}
	for i, e := range cfg.Operators {
		n, err := license.NormalizeEmail(e)
		if err != nil {
			return nil, fmt.Errorf("oidc: operators[%d]: %w", i, err)
		}
		cfg.Operators[i] = n
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", cfg.Issuer, err)
	}
	o := &OIDC{
		cfg:    cfg,
		store:  store,
		client: client,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret.Value(),
			RedirectURL:  cfg.RedirectURL,
			Endpoint:     p.Endpoint(),
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: p.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), client), &oidc.Config{ClientID: cfg.ClientID}),
	}
	return o, nil
}

// SessionTTL is how long the sessions OIDC sign-in starts last.
func (o *OIDC) SessionTTL() time.Duration { return o.cfg.SessionTTL }

func loginCookieName(tls bool) string {
	if tls {
		return "__Host-rollcall_oidc"
	}
	return "rollcall_oidc"
}

// Start sends the browser to the provider. returnTo is a local path to
// land on after sign-in (anything else becomes "/").
func (o *OIDC) Start(w http.ResponseWriter, r *http.Request, returnTo string) error {
	if !localPath(returnTo) {
		returnTo = "/"
	}
	state, binding := randomString(32), randomString(32)
	pl := PendingLogin{
		Binding:  hashSecret(binding),
		Nonce:    randomString(24),
		Verifier: oauth2.GenerateVerifier(),
		Return:   returnTo,
		Expires:  o.store.now().Add(loginTTL),
	}
	if err := o.store.startLogin(r.Context(), state, pl); err != nil {
		return fmt.Errorf("oidc: start sign-in: %w", err)
	}
	tls := IsTLS(r)
	http.SetCookie(w, &http.Cookie{
		Name: loginCookieName(tls), Value: binding, Path: "/", MaxAge: int(loginTTL / time.Second),
		HttpOnly: true, Secure: tls, SameSite: http.SameSiteLaxMode, // Lax: the provider's redirect back is a top-level GET
	})
	http.Redirect(w, r, o.oauth.AuthCodeURL(state, oauth2.S256ChallengeOption(pl.Verifier), oidc.Nonce(pl.Nonce)), http.StatusFound)
	return nil
}

// localPath accepts "/x" but not "//host" or "/\host", which browsers
// follow to other sites.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\")
}

// Finish completes sign-in on the provider's redirect back: it checks the
// state against the browser's cookie (one use only), redeems the code with
// the PKCE verifier, verifies the ID token and its nonce, requires a
// verified email in an allowed domain, starts a session and sets its
// cookie. It returns the principal and the local path to go to. Failures
// wrap ErrUnauthenticated (or ErrForbidden for a disallowed domain).
func (o *OIDC) Finish(w http.ResponseWriter, r *http.Request) (Principal, string, error) {
	ctx := r.Context()
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return Principal{}, "", fmt.Errorf("oidc: the provider refused sign-in: %s: %w", clip(e), ErrUnauthenticated)
	}
	tls := IsTLS(r)
	c, err := r.Cookie(loginCookieName(tls))
	if err != nil || c.Value == "" {
		return Principal{}, "", fmt.Errorf("oidc: no sign-in under way in this browser (cookie missing): %w", ErrUnauthenticated)
	}
	pl, err := o.takeLogin(ctx, q.Get("state"))
	if err != nil {
		return Principal{}, "", err
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookieName(tls), Path: "/", MaxAge: -1, HttpOnly: true, Secure: tls, SameSite: http.SameSiteLaxMode})
	switch {
	case string(pl.Binding) != string(hashSecret(c.Value)):
		return Principal{}, "", fmt.Errorf("oidc: the sign-in was started in another browser: %w", ErrUnauthenticated)
	case !o.store.now().Before(pl.Expires):
		return Principal{}, "", fmt.Errorf("oidc: the sign-in took longer than %s; start again: %w", loginTTL, ErrUnauthenticated)
	}
	code := q.Get("code")
	if code == "" {
		return Principal{}, "", fmt.Errorf("oidc: the provider sent no code: %w", ErrUnauthenticated)
	}
	tok, err := o.oauth.Exchange(context.WithValue(ctx, oauth2.HTTPClient, o.client), code, oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		return Principal{}, "", fmt.Errorf("oidc: redeem the code at the provider: %v: %w", err, ErrUnauthenticated)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Principal{}, "", fmt.Errorf("oidc: the provider returned no id_token: %w", ErrUnauthenticated)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return Principal{}, "", fmt.Errorf("oidc: ID token: %v: %w", err, ErrUnauthenticated)
	}
	if idt.Nonce != pl.Nonce {
		return Principal{}, "", fmt.Errorf("oidc: ID token nonce does not match this sign-in: %w", ErrUnauthenticated)
	}
	p, err := o.principal(idt)
	if err != nil {
		return Principal{}, "", err
	}
	value, err := o.store.CreateSession(ctx, p, o.cfg.SessionTTL)
	if err != nil {
		return Principal{}, "", err
	}
	http.SetCookie(w, SessionCookie(value, tls, o.cfg.SessionTTL))
	return p, pl.Return, nil
}

func (o *OIDC) takeLogin(ctx context.Context, state string) (PendingLogin, error) {
	pl, found, err := o.store.takeLogin(ctx, state) // a state is good once
	if err != nil {
		return pl, fmt.Errorf("oidc: read sign-in state: %w", err)
	}
	if !found || state == "" {
		return pl, fmt.Errorf("oidc: unknown or already used sign-in state: %w", ErrUnauthenticated)
	}
	return pl, nil
}

func (o *OIDC) principal(idt *oidc.IDToken) (Principal, error) {
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // some providers send "true"
	}
	if err := idt.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("oidc: ID token claims: %v: %w", err, ErrUnauthenticated)
	}
	verified := claims.EmailVerified == true || claims.EmailVerified == "true"
	email, err := license.NormalizeEmail(claims.Email)
	if err != nil || !verified {
		return Principal{}, fmt.Errorf("oidc: the provider gave no verified email address: %w", ErrUnauthenticated)
	}
	if len(o.cfg.AllowedDomains) > 0 && !slices.Contains(o.cfg.AllowedDomains, license.EmailDomain(email)) {
		return Principal{}, fmt.Errorf("oidc: %s is not in a domain allowed to sign in: %w", email, ErrForbidden)
	}
	role := RoleAdmin
	if slices.Contains(o.cfg.Operators, email) {
		role = RoleOperator
	}
	return Principal{Email: email, Role: role, Via: ViaOIDC}, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
