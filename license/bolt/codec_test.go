package bolt

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

func TestMemberCodec(t *testing.T) {
	t0 := time.Date(2024, 9, 1, 8, 30, 0, 123, time.UTC)
	tests := []struct {
		name string
		m    license.Member
	}{
		{"one claim", license.Member{Email: "ann@x.org", Name: "Ann", Role: license.RoleStudent, OrgUnit: "/S", Added: t0,
			Claims: []license.Claim{{Source: "sync/a", FirstSeen: t0, LastSeen: t0.Add(time.Hour), Name: "Ann", Role: license.RoleStudent, OrgUnit: "/S", ExternalID: "42"}}}},
		{"claims with attributes", license.Member{Email: "bo@x.org", Name: "Bo", Role: license.RoleTeacher, Added: t0,
			Claims: []license.Claim{
				{Source: license.SourceManual, FirstSeen: t0, LastSeen: t0, Role: license.RoleTeacher},
				{Source: "sync/b", FirstSeen: t0, LastSeen: t0, Attrs: map[string]string{"grade": "9", "": "empty key"}},
			}}},
		{"zero and pre-1970 times, unknown role", license.Member{Email: "cy@x.org", Role: "custodian",
			Added:  time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC),
			Claims: []license.Claim{{Source: "sync/c", Role: "custodian"}}}},
		{"extreme times", license.Member{Email: "di@x.org", Role: license.RoleOther, Added: time.Unix(0, math.MaxInt64).UTC(),
			Claims: []license.Claim{{Source: "sync/d", FirstSeen: time.Unix(0, math.MinInt64+1).UTC()}}}},
		{"unicode", license.Member{Email: "eve@x.org", Name: "Zoë Müller", Role: license.RoleStudent, OrgUnit: "/Élèves",
			Claims: []license.Claim{{Source: "sync/e", Name: "Zoë Müller"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := encodeMember(nil, &tt.m)
			got, err := decodeMember(tt.m.Email, v)
			if err != nil {
				t.Fatalf("decodeMember: %v", err)
			}
			if !reflect.DeepEqual(got, tt.m) {
				t.Fatalf("decodeMember = %+v, want %+v", got, tt.m)
			}
			rec, _, err := decodeRecord([]byte(tt.m.Email), v, nil)
			if err != nil {
				t.Fatalf("decodeRecord: %v", err)
			}
			if !reflect.DeepEqual(*rec, tt.m) {
				t.Fatalf("decodeRecord = %+v, want %+v", *rec, tt.m)
			}
			// Decoded claims are the caller's: growing them must not
			// write into another member's record.
			rec.Claims = append(rec.Claims, license.Claim{Source: "sync/z"})
			if again, _, _ := decodeRecord([]byte(tt.m.Email), v, nil); !reflect.DeepEqual(*again, tt.m) {
				t.Fatal("appending to a decoded member changed the next decode")
			}
			// Every strict prefix of the record is corrupt, never a panic
			// or a shorter member.
			for n := range len(v) {
				if _, err := decodeMember(tt.m.Email, v[:n]); !errors.Is(err, errCorrupt) {
					t.Fatalf("decode of the first %d of %d bytes: %v, want errCorrupt", n, len(v), err)
				}
			}
		})
	}
}

func TestMemberCodecRejects(t *testing.T) {
	good := encodeMember(nil, &license.Member{Email: "a@x.org", Role: license.RoleStudent, Claims: []license.Claim{{Source: "sync/a"}}})
	tests := []struct {
		name string
		v    []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{9}, good[1:]...)},
		{"varint past 64 bits", []byte{memberFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}},
		{"string longer than the record", []byte{memberFormat, 0x7f, 'a'}},
		{"claim count larger than the record", append(append([]byte{memberFormat}, good[1:len(good)-1]...), 0x7f)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := decodeMember("a@x.org", tt.v); !errors.Is(err, errCorrupt) {
				t.Fatalf("decodeMember = %+v, %v; want errCorrupt", m, err)
			}
		})
	}
}
