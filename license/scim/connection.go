package scim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Connection is one identity provider's provisioning job.
type Connection struct {
	Name string `json:"name"`
	// Licenses the connection's users join (with the role their groups
	// give) and the only ones it may touch.
	Licenses []string `json:"licenses"`
	// GroupRoles maps a pushed group's displayName to the role its
	// members get; the strongest of a user's groups wins.
	GroupRoles map[string]license.Role `json:"group_roles,omitempty"`
	// DefaultRole is the role of a user in no mapped group (default student).
	DefaultRole license.Role `json:"default_role,omitempty"`
	// DeletionLimit: one push removing more claims than
	// max(Min, Percent% of the connection's claims) holds the removals.
	DeletionPercent float64 `json:"deletion_percent"`
	DeletionMin     int     `json:"deletion_min"`

	TokenHash   []byte    `json:"token_hash"`
	TokenPrefix string    `json:"token_prefix"` // shown to admins to tell tokens apart
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by,omitempty"`
	// HeldUsers are users whose claim removals the deletion guard kept
	// back, awaiting `rollcall scim approve`.
	HeldUsers []string `json:"held_users,omitempty"`
	// The guard counts removals over a sliding hour: Entra and Okta push
	// a mass deprovisioning as one request per user, never as one big one.
	WindowStart   time.Time `json:"window_start,omitzero"`
	WindowRemoved int       `json:"window_removed,omitempty"`
}

// Source is the claim source of the connection's users.
func (c *Connection) Source() license.Source { return license.Source("scim/" + c.Name) }

// role is the role of a user in groups (displayNames).
func (c *Connection) role(groups []string) license.Role {
	best := license.Role("")
	for _, g := range groups {
		r, ok := c.GroupRoles[g]
		if !ok {
			continue
		}
		if best == "" || rank(r) > rank(best) {
			best = r
		}
	}
	if best == "" {
		best = c.DefaultRole
	}
	if best == "" {
		best = license.RoleStudent
	}
	return best
}

func rank(r license.Role) int {
	switch r {
	case license.RoleTeacher:
		return 3
	case license.RoleOther:
		return 2
	case license.RoleStudent:
		return 1
	}
	return 0
}

// deletionBound is how many claims one push may remove.
func (c *Connection) deletionBound(current int) int {
	return max(c.DeletionMin, int(float64(current)*c.DeletionPercent/100))
}

var connName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// Validate checks the connection's own fields.
func (c *Connection) Validate() error {
	if !connName.MatchString(c.Name) {
		return fmt.Errorf("connection name %q: must be 1-63 characters of a-z, 0-9, '.', '-' and '_'", c.Name)
	}
	if len(c.Licenses) == 0 {
		return fmt.Errorf("connection %s: at least one license is required", c.Name)
	}
	for g, r := range c.GroupRoles {
		if _, err := license.ParseRole(string(r)); err != nil {
			return fmt.Errorf("connection %s: group %q: %w", c.Name, g, err)
		}
	}
	if c.DefaultRole != "" {
		if _, err := license.ParseRole(string(c.DefaultRole)); err != nil {
			return fmt.Errorf("connection %s: default role: %w", c.Name, err)
		}
	}
	if c.DeletionPercent < 0 || c.DeletionPercent > 100 || c.DeletionMin < 0 {
		return fmt.Errorf("connection %s: deletion limit %v%% / %d: percent must be 0-100 and min at least 0", c.Name, c.DeletionPercent, c.DeletionMin)
	}
	return nil
}

// tokenPrefix starts every SCIM token so that a leaked one is recognisable
// (secret scanners, logs).
const tokenPrefix = "rcscim_"

// NewToken makes a bearer token and its hash; only the hash is stored.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is how tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
