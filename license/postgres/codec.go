package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/rollcall-sync/rollcall/license"
)

// Licenses, claims, webhooks and dead letters are stored as their JSON
// (bytea: nothing queries inside them); the columns beside them are what
// the queries sort, filter and join on.

func decodeLicense(id string, raw []byte) (license.License, error) {
	var l license.License
	if err := json.Unmarshal(raw, &l); err != nil {
		return l, fmt.Errorf("license %q record: %w", id, err)
	}
	return l, nil
}

// memberRow is a member as the members table holds it.
type memberRow struct {
	email, name, nameKey, role, orgUnit, firstSource string
	added                                            int64
	revoked                                          bool
	claims                                           []byte
}

func rowOf(m *license.Member) (memberRow, error) {
	raw := encodeClaims(m.Claims)
	first := ""
	if len(m.Claims) > 0 {
		first = string(m.Claims[0].Source)
	}
	return memberRow{email: m.Email, name: m.Name, nameKey: lowerKey(m.Name), role: string(m.Role), orgUnit: m.OrgUnit,
		firstSource: first, added: nanos(m.Added), revoked: m.AccessRevoked(), claims: raw}, nil
}

// memberCols are the columns decodeMember reads, in its order.
const memberCols = `email, name, role, org_unit, added, claims`

func decodeMember(email, name, role, orgUnit string, added int64, raw []byte) (license.Member, error) {
	m := license.Member{Email: email, Name: name, Role: license.Role(role), OrgUnit: orgUnit, Added: fromNanos(added)}
	var err error
	if m.Claims, err = decodeClaims(raw); err != nil {
		return m, fmt.Errorf("member %s: claims: %w", email, err)
	}
	return m, nil
}

// scanMember reads one row of memberCols.
func scanMember(row interface{ Scan(...any) error }) (license.Member, error) {
	var email, name, role, ou string
	var added int64
	var raw []byte
	if err := row.Scan(&email, &name, &role, &ou, &added, &raw); err != nil {
		return license.Member{}, err
	}
	return decodeMember(email, name, role, ou, added, raw)
}

// eventCols are the columns scanEvent reads, in its order.
const eventCols = `license_id, seq, time, email, action, source, actor, detail`

func scanEvent(row interface{ Scan(...any) error }) (license.Event, error) {
	var ev license.Event
	var seq, t int64
	var action, source string
	if err := row.Scan(&ev.License, &seq, &t, &ev.Email, &action, &source, &ev.Actor, &ev.Detail); err != nil {
		return ev, err
	}
	ev.Seq, ev.Time, ev.Action, ev.Source = uint64(seq), fromNanos(t), license.Action(action), license.Source(source)
	return ev, nil
}

func encodeJSON(v any) ([]byte, error) { return json.Marshal(v) }
