package oauth2token

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// TokenFile keeps the current refresh token of a rotating grant.
type TokenFile struct {
	Path string
	now  func() time.Time
}

// tokenState is the file's JSON.
type tokenState struct {
	RefreshToken string    `json:"refresh_token"`
	SeedSHA256   string    `json:"seed_sha256"` // digest of the config's refresh token it descends from
	Saved        time.Time `json:"saved"`
}

// seedDigest names a seed without keeping it.
func seedDigest(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// load reads the file; ok is false when it does not exist.
func (f *TokenFile) load() (st tokenState, ok bool, err error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return tokenState{}, false, nil
	}
	if err != nil {
		return tokenState{}, false, fmt.Errorf("token file %s: %w", f.Path, err)
	}
	if err := json.Unmarshal(b, &st); err != nil || st.RefreshToken == "" {
		return tokenState{}, false, fmt.Errorf("token file %s: not a refresh-token file written by rollcall (delete it to start again from the config's refresh_token)", f.Path)
	}
	return st, true, nil
}

// save replaces the file atomically: a temporary file beside it, 0600,
// written and fsynced, renamed over it, and the folder fsynced so that
// the rename itself survives a crash.
func (f *TokenFile) save(st tokenState) (err error) {
	now := time.Now
	if f.now != nil {
		now = f.now
	}
	st.Saved = now().UTC()
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("token file %s: %w", f.Path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("token file %s: %w", f.Path, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600 already; say so for umask-proof intent.
	if err = tmp.Chmod(0o600); err == nil {
		if _, err = tmp.Write(b); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("token file %s: %w", f.Path, err)
	}
	if err = os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("token file %s: %w", f.Path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // not every file system syncs folders; the rename stands either way
		_ = d.Close()
	}
	return nil
}
