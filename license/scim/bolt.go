package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The bucket tree of scim.db:
//
//	connections/<name>                     Connection (JSON)
//	tokens/<sha256 of token>               connection name
//	resources/<conn>/<kind>/<id>           Resource (JSON)
//	usernames/<conn>/<lower(userName)>     user id
var (
	bucketConnections = []byte("connections")
	bucketTokens      = []byte("tokens")
	bucketResources   = []byte("resources")
	bucketUserNames   = []byte("usernames")
)

// BoltStore keeps SCIM state in a bbolt file of its own, beside the
// license store: its writes never wait on a sync's.
type BoltStore struct {
	db *bbolt.DB
}

// OpenBolt opens (creating, 0600) the file at path.
func OpenBolt(path string, timeout time.Duration) (*BoltStore, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketConnections, bucketTokens, bucketResources, bucketUserNames} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init %s: %w", path, err)
	}
	return &BoltStore{db: db}, nil
}

// Close closes the file.
func (s *BoltStore) Close() error { return s.db.Close() }

// Backup writes a consistent copy of the file to w, in one read
// transaction, so it may run while provisioning writes.
func (s *BoltStore) Backup(_ context.Context, w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

func (s *BoltStore) CreateConnection(_ context.Context, c Connection) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConnections)
		if b.Get([]byte(c.Name)) != nil {
			return fmt.Errorf("connection %s: %w", c.Name, ErrExists)
		}
		if err := putJSON(b, c.Name, c); err != nil {
			return err
		}
		return tx.Bucket(bucketTokens).Put(c.TokenHash, []byte(c.Name))
	})
}

func (s *BoltStore) Connection(_ context.Context, name string) (Connection, error) {
	var c Connection
	err := s.db.View(func(tx *bbolt.Tx) error { return getJSON(tx.Bucket(bucketConnections), name, &c) })
	if err != nil {
		return c, fmt.Errorf("connection %s: %w", name, err)
	}
	return c, nil
}

func (s *BoltStore) ConnectionByToken(_ context.Context, hash []byte) (Connection, error) {
	var c Connection
	err := s.db.View(func(tx *bbolt.Tx) error {
		name := tx.Bucket(bucketTokens).Get(hash)
		if name == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketConnections), string(name), &c)
	})
	return c, err
}

func (s *BoltStore) Connections(_ context.Context) ([]Connection, error) {
	var out []Connection
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketConnections).ForEach(func(_, v []byte) error {
			var c Connection
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

func (s *BoltStore) UpdateConnection(_ context.Context, name string, fn func(*Connection) error) (Connection, error) {
	var c Connection
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConnections)
		if err := getJSON(b, name, &c); err != nil {
			return fmt.Errorf("connection %s: %w", name, err)
		}
		oldHash := c.TokenHash
		if err := fn(&c); err != nil {
			return err
		}
		if c.Name != name {
			return fmt.Errorf("connection %s: the name cannot change", name)
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if !bytes.Equal(oldHash, c.TokenHash) {
			if err := tx.Bucket(bucketTokens).Delete(oldHash); err != nil {
				return err
			}
			if err := tx.Bucket(bucketTokens).Put(c.TokenHash, []byte(name)); err != nil {
				return err
			}
		}
		return putJSON(b, name, c)
	})
	return c, err
}

func (s *BoltStore) Get(_ context.Context, conn, kind, id string) (Resource, error) {
	var r Resource
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := resources(tx, conn, kind, false)
		if b == nil {
			return ErrNotFound
		}
		return getJSON(b, id, &r)
	})
	return r, err
}

func (s *BoltStore) UserByName(_ context.Context, conn, userName string) (Resource, error) {
	var r Resource
	err := s.db.View(func(tx *bbolt.Tx) error {
		names := tx.Bucket(bucketUserNames).Bucket([]byte(conn))
		if names == nil {
			return ErrNotFound
		}
		id := names.Get([]byte(strings.ToLower(userName)))
		if id == nil {
			return ErrNotFound
		}
		b := resources(tx, conn, KindUser, false)
		if b == nil {
			return ErrNotFound
		}
		return getJSON(b, string(id), &r)
	})
	return r, err
}

func (s *BoltStore) List(_ context.Context, conn, kind string, fn func(Resource) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		b := resources(tx, conn, kind, false)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var r Resource
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			return fn(r)
		})
	})
}

func (s *BoltStore) Put(_ context.Context, conn string, r Resource) (Resource, error) {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := resources(tx, conn, r.Kind, true)
		names, err := tx.Bucket(bucketUserNames).CreateBucketIfNotExists([]byte(conn))
		if err != nil {
			return err
		}
		var old Resource
		exists := getJSON(b, r.ID, &old) == nil
		switch {
		case r.Version == 0 && exists:
			return fmt.Errorf("%s %s: %w", r.Kind, r.ID, ErrExists)
		case r.Version != 0 && !exists:
			return fmt.Errorf("%s %s: %w", r.Kind, r.ID, ErrNotFound)
		case r.Version != 0 && old.Version != r.Version:
			return fmt.Errorf("%s %s is at version %d, not %d: %w", r.Kind, r.ID, old.Version, r.Version, ErrConflict)
		}
		if r.Kind == KindUser {
			newName := strings.ToLower(userNameOf(r.Doc))
			if id := names.Get([]byte(newName)); id != nil && string(id) != r.ID {
				return fmt.Errorf("userName %q is taken: %w", userNameOf(r.Doc), ErrExists)
			}
			if exists {
				if err := names.Delete([]byte(strings.ToLower(userNameOf(old.Doc)))); err != nil {
					return err
				}
			}
			if err := names.Put([]byte(newName), []byte(r.ID)); err != nil {
				return err
			}
		}
		r.Version++
		return putJSON(b, r.ID, r)
	})
	return r, err
}

func (s *BoltStore) SetClaimed(_ context.Context, conn, id, email string) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := resources(tx, conn, KindUser, false)
		var r Resource
		if b == nil || getJSON(b, id, &r) != nil {
			return ErrNotFound
		}
		if r.Claimed == email {
			return nil
		}
		r.Claimed = email
		return putJSON(b, id, r)
	})
}

func (s *BoltStore) Delete(_ context.Context, conn, kind, id string) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := resources(tx, conn, kind, false)
		var old Resource
		if b == nil || getJSON(b, id, &old) != nil {
			return ErrNotFound
		}
		if kind == KindUser {
			if names := tx.Bucket(bucketUserNames).Bucket([]byte(conn)); names != nil {
				if err := names.Delete([]byte(strings.ToLower(userNameOf(old.Doc)))); err != nil {
					return err
				}
			}
		}
		return b.Delete([]byte(id))
	})
}

// resources is the bucket of one connection's resources of one kind.
func resources(tx *bbolt.Tx, conn, kind string, create bool) *bbolt.Bucket {
	root := tx.Bucket(bucketResources)
	if !create {
		c := root.Bucket([]byte(conn))
		if c == nil {
			return nil
		}
		return c.Bucket([]byte(kind))
	}
	c, err := root.CreateBucketIfNotExists([]byte(conn))
	if err != nil {
		return nil
	}
	k, err := c.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return nil
	}
	return k
}

func putJSON(b *bbolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func getJSON(b *bbolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return ErrNotFound
	}
	return json.Unmarshal(data, v)
}
