package oauth2token

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
)

// Rotating is a refresh-token grant whose refresh token changes on every
// use. Each access token it hands out comes from spending the current
// refresh token; the new refresh token is saved to the file before the
// access token is returned. Build it with NewRotating and use it through
// its Cached.
type Rotating struct {
	cfg    oauth2.Config
	client *http.Client
	file   *TokenFile
	seed   string // the config's refresh token
	digest string

	mu          sync.Mutex
	current     string // the refresh token to spend next; "" until the first grant
	saved       bool   // the file holds current
	pendingSave bool   // current is newer than the file: save it before spending it
}

// NewRotating returns a cached source of access tokens from cfg's token
// endpoint (asked through client) by the refresh-token grant, starting
// from the token file at path when it descends from seed (the config's
// refresh token), else from seed.
func NewRotating(cfg oauth2.Config, seed, path string, client *http.Client) (*Cached, *Rotating) {
	r := &Rotating{cfg: cfg, client: client, file: &TokenFile{Path: path}, seed: seed, digest: seedDigest(seed)}
	return NewCached(r.fetch), r
}

// ErrNotSaved marks a rotated refresh token that could not be written to
// the token file. The access token that came with it is not handed out;
// the new refresh token is kept in memory and saving is tried again on
// the next call.
var ErrNotSaved = errors.New("the rotated refresh token could not be saved")

// start is the refresh token to spend: the file's when it descends from
// the current seed, else the seed.
func (r *Rotating) start() (string, error) {
	if r.current != "" {
		return r.current, nil
	}
	st, ok, err := r.file.load()
	if err != nil {
		return "", err
	}
	if ok && st.SeedSHA256 == r.digest {
		return st.RefreshToken, nil
	}
	return r.seed, nil
}

// fetch spends the current refresh token.
func (r *Rotating) fetch(ctx context.Context) (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt, err := r.start()
	if err != nil {
		return nil, err
	}
	if r.current != "" && r.pendingSave {
		// A rotated token from an earlier call is not on disk yet.
		if err := r.persist(r.current); err != nil {
			return nil, err
		}
	}
	tok, err := r.grant(ctx, rt)
	if err != nil {
		// Another process sharing the token file may have spent rt and
		// saved its successor: try that once.
		if ref, ok := Refused(err); ok && ref.ErrorCode == "invalid_grant" {
			if st, found, lerr := r.file.load(); lerr == nil && found && st.SeedSHA256 == r.digest && st.RefreshToken != rt {
				rt = st.RefreshToken
				tok, err = r.grant(ctx, rt)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	next := tok.RefreshToken
	if next == "" {
		next = rt // the endpoint did not rotate this time
	}
	r.current = next
	if next != rt || !r.saved {
		if err := r.persist(next); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

// persist saves next, remembering whether it is on disk.
func (r *Rotating) persist(next string) error {
	if err := r.file.save(tokenState{RefreshToken: next, SeedSHA256: r.digest}); err != nil {
		r.pendingSave = true
		return fmt.Errorf("%w: %w", ErrNotSaved, err)
	}
	r.pendingSave, r.saved = false, true
	return nil
}

func (r *Rotating) grant(ctx context.Context, refresh string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, r.client)
	return r.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
}

// RefreshToken is the refresh token the next grant will spend, for tests.
func (r *Rotating) RefreshToken() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.start()
}
