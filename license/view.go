package license

import "time"

// View is a license as people and scripts are shown it: its key's display
// prefix and rotation time, never the hash, and lists that are [] rather
// than null when empty.
type View struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       Type            `json:"type"`
	Seats      int             `json:"seats"`
	Used       int             `json:"used"`
	Free       int             `json:"free"`
	Created    time.Time       `json:"created"`
	Expires    time.Time       `json:"expires,omitzero"`
	Expired    bool            `json:"expired"`
	Domains    []string        `json:"domains"`
	Admins     []string        `json:"admins"`
	Features   map[string]bool `json:"features"`
	LMS        LMS             `json:"lms,omitzero"`
	KeyPrefix  string          `json:"key_prefix,omitempty"`
	KeyRotated time.Time       `json:"key_rotated,omitzero"`
}

// View returns the license as shown at now, times in UTC.
func (l *License) View(now time.Time) View {
	v := View{
		ID: l.ID, Name: l.Name, Type: l.Type, Seats: l.Seats, Used: l.Used, Free: l.Free(),
		Created: l.Created.UTC(), Expires: l.Expires.UTC(), Expired: l.Expired(now),
		Domains: l.Domains, Admins: l.Admins, Features: l.Features, LMS: l.LMS,
		KeyPrefix: l.Key.Prefix, KeyRotated: l.Key.Rotated.UTC(),
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
