package lti

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Context is a course a launch came from, as the launch described it.
type Context struct {
	ID             string    `json:"id"`
	Label          string    `json:"label,omitempty"`
	Title          string    `json:"title,omitempty"`
	MembershipsURL string    `json:"context_memberships_url"`
	DeploymentID   string    `json:"deployment_id"`
	FirstLaunch    time.Time `json:"first_launch"`
	LastLaunch     time.Time `json:"last_launch"`
}

// contexts is the registry of courses launched so far, kept in a JSON
// file (0600) that is replaced whole on each change, so a crash leaves the
// old or the new file, never half of one.
type contexts struct {
	path string
	mu   sync.Mutex
	m    map[string]Context
}

func openContexts(path string) (*contexts, error) {
	c := &contexts{path: path, m: map[string]Context{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	var file struct {
		Contexts map[string]Context `json:"contexts"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if file.Contexts != nil {
		c.m = file.Contexts
	}
	return c, nil
}

// remember records a launch's context; first says it was never seen.
func (c *contexts) remember(ctx Context) (first bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, seen := c.m[ctx.ID]
	if seen {
		ctx.FirstLaunch = old.FirstLaunch
		if ctx.MembershipsURL == "" {
			ctx.MembershipsURL = old.MembershipsURL
		}
	}
	c.m[ctx.ID] = ctx
	if err := c.save(); err != nil {
		if seen {
			c.m[ctx.ID] = old
		} else {
			delete(c.m, ctx.ID)
		}
		return false, err
	}
	return !seen, nil
}

func (c *contexts) lookup(id string) (Context, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, ok := c.m[id]
	return ctx, ok
}

func (c *contexts) save() error {
	b, err := json.MarshalIndent(struct {
		Contexts map[string]Context `json:"contexts"`
	}{c.m}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".contexts-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}
