package oneroster

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// The record fields the connector reads, as the REST bindings name them.
// 1.1 and 1.2 agree on these; where they differ (enabledUser a string in
// one, a boolean in some servers' 1.2) the types accept both.

const statusToBeDeleted = "tobedeleted"

type ref struct {
	SourcedID string `json:"sourcedId"`
}

type user struct {
	SourcedID        string   `json:"sourcedId"`
	Status           string   `json:"status"`
	DateLastModified string   `json:"dateLastModified"`
	EnabledUser      flexBool `json:"enabledUser"`
	Username         string   `json:"username"`
	Email            string   `json:"email"`
	GivenName        string   `json:"givenName"`
	FamilyName       string   `json:"familyName"`
}

// usable: not tobedeleted and not disabled.
func (u *user) usable() bool { return u.Status != statusToBeDeleted && u.EnabledUser.orTrue() }

type enrollment struct {
	SourcedID string `json:"sourcedId"`
	Status    string `json:"status"`
	User      ref    `json:"user"`
	Class     ref    `json:"class"`
	School    ref    `json:"school"`
	Role      string `json:"role"`
	EndDate   string `json:"endDate"`
}

type org struct {
	SourcedID string `json:"sourcedId"`
	Status    string `json:"status"`
	Name      string `json:"name"`
	Type      string `json:"type"`
}

type class struct {
	SourcedID string `json:"sourcedId"`
	Status    string `json:"status"`
	Title     string `json:"title"`
	School    ref    `json:"school"`
}

// flexBool reads true, false, "true" or "false" (any case); absent or
// null reads as unset.
type flexBool struct{ set, v bool }

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := strings.ToLower(string(bytes.Trim(data, `"`)))
	switch s {
	case "true":
		*b = flexBool{true, true}
	case "false":
		*b = flexBool{true, false}
	case "null", "":
		*b = flexBool{}
	default:
		return fmt.Errorf("enabledUser %s: want true or false", data)
	}
	return nil
}

func (b flexBool) orTrue() bool { return !b.set || b.v }

// ended reports whether a YYYY-MM-DD (or date-time) end date lies before
// today. An end date the connector cannot read does not end anything: the
// record's status is what servers keep current.
func ended(endDate string, now time.Time) bool {
	if len(endDate) < 10 {
		return false
	}
	d, err := time.Parse(time.DateOnly, endDate[:10])
	if err != nil {
		return false
	}
	y, m, day := now.UTC().Date()
	return d.Before(time.Date(y, m, day, 0, 0, 0, 0, time.UTC))
}

// member is one person's fold over their enrollments: the strongest role
// and the first unit that brought them in.
type member struct {
	role license.Role
	unit string
}

// fold keeps the strongest role per user sourcedId.
type fold map[string]member

func (f fold) add(userID string, role license.Role, unit string) {
	m, ok := f[userID]
	if !ok {
		f[userID] = member{role: role, unit: unit}
		return
	}
	if role.Rank() > m.role.Rank() {
		m.role = role
		f[userID] = m
	}
}

// person builds what the connector emits for a user.
func person(id, email, username, given, family string, fallback bool, role license.Role, unit string) connectors.Person {
	return connectors.Person{
		ExternalID: id,
		Email:      emailOf(email, username, fallback),
		Name:       displayName(given, family),
		Role:       role,
		OrgUnit:    unit,
	}
}
