package auth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/authtest"
)

func TestBoltConformance(t *testing.T) {
	authtest.Run(t, func(t *testing.T) authtest.Opener {
		path := filepath.Join(t.TempDir(), "auth.db")
		return func(t *testing.T) auth.Storage {
			st, err := auth.OpenBolt(path, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	})
}

// TestBoltHoldsNoSecret writes tokens, sessions and a sign-in, then reads
// the file raw, page by page and key by key: no plaintext anywhere.
func TestBoltHoldsNoSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.db")
	st, err := auth.OpenBolt(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	secrets := authtest.WriteSecrets(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var records int
	var kv [][]byte
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				records++
				kv = append(kv, bytes.Clone(k), bytes.Clone(v))
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if records < len(secrets.Tokens)*2+len(secrets.Sessions) {
		t.Fatalf("only %d records in the file: the secrets were not written", records)
	}
	for _, s := range secrets.All() {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("auth.db holds a secret in plain text (%d chars)", len(s))
		}
		for _, b := range kv {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("a record holds a secret in plain text (%d chars)", len(s))
			}
		}
	}
	for _, h := range secrets.Hashes() {
		if !bytes.Contains(raw, h) {
			t.Errorf("auth.db lacks the SHA-256 of a secret it keys by")
		}
	}
}
