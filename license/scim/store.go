package scim

import (
	"context"
	"errors"
	"time"
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("version mismatch")
)

// Resource kinds.
const (
	KindUser  = "User"
	KindGroup = "Group"
)

// Resource is one SCIM resource as stored: its document in canonical
// attribute names, without meta (rebuilt on every read).
type Resource struct {
	Kind     string         `json:"kind"`
	ID       string         `json:"id"`
	Version  int            `json:"version"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
	Doc      map[string]any `json:"doc"`
	// Claimed is the email the user's claims were last written under, so
	// that a changed address or a deactivation finds the claims to
	// remove without a scan. Not part of the SCIM view.
	Claimed string `json:"claimed,omitempty"`
}

// Store keeps connections and their resources. Writes to one connection
// are serialized by the caller (Server); the store makes each call atomic.
type Store interface {
	CreateConnection(ctx context.Context, c Connection) error
	Connection(ctx context.Context, name string) (Connection, error)
	ConnectionByToken(ctx context.Context, hash []byte) (Connection, error)
	Connections(ctx context.Context) ([]Connection, error)
	UpdateConnection(ctx context.Context, name string, fn func(*Connection) error) (Connection, error)

	// Get returns one resource, or ErrNotFound.
	Get(ctx context.Context, conn, kind, id string) (Resource, error)
	// UserByName finds a user by userName, case-insensitively.
	UserByName(ctx context.Context, conn, userName string) (Resource, error)
	// List calls fn with every resource of kind, by id.
	List(ctx context.Context, conn, kind string, fn func(Resource) error) error
	// Put stores r. With r.Version 0 it creates r (ErrExists when a user
	// holds the userName); otherwise r.Version must be the stored version
	// (ErrConflict), and the stored one becomes r.Version+1.
	Put(ctx context.Context, conn string, r Resource) (Resource, error)
	// SetClaimed records the email a user's claims are under, without
	// changing the resource's version.
	SetClaimed(ctx context.Context, conn, id, email string) error
	// Delete removes a resource, or returns ErrNotFound.
	Delete(ctx context.Context, conn, kind, id string) error
	Close() error
}
