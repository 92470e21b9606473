package auth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The bucket tree of auth.db. Secrets are never stored: tokens, session
// cookies and OIDC login states are keyed by their SHA-256.
//
//	meta/
//	    version                  → schema version, uint64 big-endian
//	tokens/
//	    <token id>               → TokenRecord, JSON
//	token_hashes/
//	    sha256(token)            → token id
//	sessions/
//	    sha256(cookie value)     → SessionRecord, JSON
//	oidc_logins/
//	    sha256(state)            → PendingLogin, JSON
var (
	bucketMeta        = []byte("meta")
	keyVersion        = []byte("version")
	bucketTokens      = []byte("tokens")
	bucketTokenHashes = []byte("token_hashes")
	bucketSessions    = []byte("sessions")
	bucketOIDCLogins  = []byte("oidc_logins")
)

// schemaVersion is the layout this code reads and writes.
const schemaVersion = 1

// boltStorage is the embedded Storage: one bbolt file that one process
// opens at a time.
type boltStorage struct {
	db   *bbolt.DB
	path string
}

// Open opens or creates the auth database at path (0600, its directory
// 0700) and returns a Store on it.
func Open(path string, opts Options) (*Store, error) {
	st, err := OpenBolt(path, opts.Timeout)
	if err != nil {
		return nil, err
	}
	return New(st, opts), nil
}

// OpenBolt opens or creates the bbolt Storage at path, waiting up to
// timeout for its lock (zero: forever).
func OpenBolt(path string, timeout time.Duration) (Storage, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	b := &boltStorage{db: db, path: path}
	if err := b.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open auth store %s: %w", path, err)
	}
	return b, nil
}

func (b *boltStorage) init() error {
	return b.db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil {
			if len(v) != 8 {
				return errors.New("schema version is corrupt")
			}
			if got := binary.BigEndian.Uint64(v); got > schemaVersion {
				return fmt.Errorf("schema version %d is newer than this rollcall understands (%d): upgrade rollcall", got, schemaVersion)
			}
		}
		for _, name := range [][]byte{bucketTokens, bucketTokenHashes, bucketSessions, bucketOIDCLogins} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, schemaVersion))
	})
}

// Path is the database file.
func (b *boltStorage) Path() string { return b.path }

func (b *boltStorage) Close() error { return b.db.Close() }

// view and update run fn in a transaction after checking ctx, and name
// the file in errors.
func (b *boltStorage) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.db.View(fn); err != nil {
		return fmt.Errorf("%s: %w", b.path, err)
	}
	return nil
}

func (b *boltStorage) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.db.Update(fn); err != nil {
		return fmt.Errorf("%s: %w", b.path, err)
	}
	return nil
}

func (b *boltStorage) PutToken(ctx context.Context, t TokenRecord) error {
	rec, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketTokens).Put([]byte(t.ID), rec); err != nil {
			return err
		}
		return tx.Bucket(bucketTokenHashes).Put(t.Hash, []byte(t.ID))
	})
}

// boltToken reads a token by id inside tx.
func boltToken(tx *bbolt.Tx, id string) (TokenRecord, bool, error) {
	v := tx.Bucket(bucketTokens).Get([]byte(id))
	if v == nil {
		return TokenRecord{}, false, nil
	}
	var t TokenRecord
	if err := json.Unmarshal(v, &t); err != nil {
		return TokenRecord{}, false, fmt.Errorf("token %s: %w", id, err)
	}
	return t, true, nil
}

func (b *boltStorage) TokenByHash(ctx context.Context, h []byte) (t TokenRecord, ok bool, err error) {
	err = b.view(ctx, func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketTokenHashes).Get(h)
		if id == nil {
			return nil
		}
		t, ok, err = boltToken(tx, string(id))
		return err
	})
	return t, ok, err
}

func (b *boltStorage) TokenByID(ctx context.Context, id string) (t TokenRecord, ok bool, err error) {
	err = b.view(ctx, func(tx *bbolt.Tx) error {
		t, ok, err = boltToken(tx, id)
		return err
	})
	return t, ok, err
}

func (b *boltStorage) Tokens(ctx context.Context) ([]TokenRecord, error) {
	var out []TokenRecord
	err := b.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			var t TokenRecord
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("token %s: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

func (b *boltStorage) RevokeToken(ctx context.Context, id string, at time.Time) (ok bool, err error) {
	err = b.update(ctx, func(tx *bbolt.Tx) error {
		var t TokenRecord
		t, ok, err = boltToken(tx, id)
		if err != nil || !ok || !t.Revoked.IsZero() {
			return err
		}
		t.Revoked = at
		rec, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketTokens).Put([]byte(id), rec)
	})
	return ok, err
}

func (b *boltStorage) PutSession(ctx context.Context, h []byte, s SessionRecord, now time.Time) error {
	rec, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketSessions)
		if err := sweep(bk, now, func(v []byte) (time.Time, error) {
			var old SessionRecord
			err := json.Unmarshal(v, &old)
			return old.Expires, err
		}); err != nil {
			return err
		}
		return bk.Put(h, rec)
	})
}

func (b *boltStorage) Session(ctx context.Context, h []byte) (s SessionRecord, ok bool, err error) {
	err = b.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSessions).Get(h)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		ok = true
		return nil
	})
	return s, ok, err
}

func (b *boltStorage) DeleteSession(ctx context.Context, h []byte) error {
	return b.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSessions).Delete(h)
	})
}

func (b *boltStorage) PutLogin(ctx context.Context, h []byte, l PendingLogin, now time.Time) error {
	rec, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketOIDCLogins)
		if err := sweep(bk, now, func(v []byte) (time.Time, error) {
			var old PendingLogin
			err := json.Unmarshal(v, &old)
			return old.Expires, err
		}); err != nil {
			return err
		}
		return bk.Put(h, rec)
	})
}

func (b *boltStorage) TakeLogin(ctx context.Context, h []byte) (l PendingLogin, ok bool, err error) {
	err = b.update(ctx, func(tx *bbolt.Tx) error {
		bk := tx.Bucket(bucketOIDCLogins)
		v := bk.Get(h)
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("sign-in state: %w", err)
		}
		ok = true
		return bk.Delete(h)
	})
	return l, ok, err
}

// sweep deletes the entries of b that expire at or before now, and those
// that cannot be read (they could never be used).
func sweep(b *bbolt.Bucket, now time.Time, expires func([]byte) (time.Time, error)) error {
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if e, err := expires(v); err != nil || !now.Before(e) {
			dead = append(dead, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Backup writes a consistent copy of the file to w, taken in one read
// transaction.
func (b *boltStorage) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := b.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}
