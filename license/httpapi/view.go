package httpapi

import (
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// licenseView is a license as the API shows it: the key's prefix and
// rotation time, never its hash, and the caller's access.
type licenseView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       license.Type    `json:"type"`
	Seats      int             `json:"seats"`
	Used       int             `json:"used"`
	Free       int             `json:"free"`
	Created    time.Time       `json:"created"`
	Expires    time.Time       `json:"expires,omitzero"`
	Expired    bool            `json:"expired"`
	Domains    []string        `json:"domains"`
	Admins     []string        `json:"admins"`
	Features   map[string]bool `json:"features"`
	LMS        license.LMS     `json:"lms,omitzero"`
	KeyPrefix  string          `json:"key_prefix,omitempty"`
	KeyRotated time.Time       `json:"key_rotated,omitzero"`
	Access     string          `json:"access,omitempty"` // operator, license or domain
}

func accessName(a auth.Access) string {
	switch a {
	case auth.AccessOperator:
		return "operator"
	case auth.AccessLicense:
		return "license"
	case auth.AccessDomain:
		return "domain"
	}
	return ""
}

func viewOf(l license.License, a auth.Access, now time.Time) licenseView {
	v := licenseView{
		ID: l.ID, Name: l.Name, Type: l.Type, Seats: l.Seats, Used: l.Used, Free: l.Free(), Created: l.Created,
		Expires: l.Expires, Expired: l.Expired(now), Domains: l.Domains, Admins: l.Admins, Features: l.Features,
		LMS: l.LMS, Access: accessName(a),
	}
	if a >= auth.AccessLicense {
		v.KeyPrefix, v.KeyRotated = l.Key.Prefix, l.Key.Rotated
	}
	if v.Domains == nil {
		v.Domains = []string{}
	}
	if v.Admins == nil {
		v.Admins = []string{}
	}
	if v.Features == nil {
		v.Features = map[string]bool{}
	}
	return v
}
