package bolt

import (
	"errors"
	"fmt"
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
		{"leaving claim", license.Member{Email: "fay@x.org", Role: license.RoleStudent, Added: t0,
			Claims: []license.Claim{{Source: "sync/f", FirstSeen: t0, Leaving: t0.Add(48 * time.Hour), LeavingRevokes: true}}}},
	}
	for _, tt := range tests {
		// Each member without the member.added seq (as before schema 4)
		// and with small and large ones.
		for _, seq := range []uint64{0, 1, 300, 1 << 40} {
			t.Run(fmt.Sprintf("%s seq %d", tt.name, seq), func(t *testing.T) {
				testMemberCodec(t, tt.m, seq)
			})
		}
	}
}

func testMemberCodec(t *testing.T, m license.Member, seq uint64) {
	t.Helper()
	v := encodeMember(nil, &m, seq)
	wantFormat := map[[2]bool]byte{{false, false}: memberFormat, {true, false}: memberFormatLeaving,
		{false, true}: memberFormatAdded, {true, true}: memberFormatAddedLeaving}[[2]bool{anyLeaving(m.Claims), seq != 0}]
	if v[0] != wantFormat {
		t.Fatalf("format %d, want %d", v[0], wantFormat)
	}
	got, gotSeq, err := decodeMemberSeq(m.Email, v)
	if err != nil {
		t.Fatalf("decodeMember: %v", err)
	}
	if !reflect.DeepEqual(got, m) || gotSeq != seq {
		t.Fatalf("decodeMember = %+v seq %d, want %+v seq %d", got, gotSeq, m, seq)
	}
	if only, err := memberAddedSeq(m.Email, v); err != nil || only != seq {
		t.Fatalf("memberAddedSeq = %d, %v; want %d", only, err, seq)
	}
	rec, _, err := decodeRecord([]byte(m.Email), v, nil)
	if err != nil {
		t.Fatalf("decodeRecord: %v", err)
	}
	if !reflect.DeepEqual(*rec, m) {
		t.Fatalf("decodeRecord = %+v, want %+v", *rec, m)
	}
	// Decoded claims are the caller's: growing them must not
	// write into another member's record.
	rec.Claims = append(rec.Claims, license.Claim{Source: "sync/z"})
	if again, _, _ := decodeRecord([]byte(m.Email), v, nil); !reflect.DeepEqual(*again, m) {
		t.Fatal("appending to a decoded member changed the next decode")
	}
	// Every strict prefix of the record is corrupt, never a panic
	// or a shorter member.
	for n := range len(v) {
		if _, err := decodeMember(m.Email, v[:n]); !errors.Is(err, errCorrupt) {
			t.Fatalf("decode of the first %d of %d bytes: %v, want errCorrupt", n, len(v), err)
		}
	}
}

func TestMemberCodecRejects(t *testing.T) {
	good := encodeMember(nil, &license.Member{Email: "a@x.org", Role: license.RoleStudent, Claims: []license.Claim{{Source: "sync/a"}}}, 0)
	tests := []struct {
		name string
		v    []byte
	}{
		{"empty", nil},
		{"unknown format", append([]byte{9}, good[1:]...)},
		{"varint past 64 bits", []byte{memberFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}},
		{"string longer than the record", []byte{memberFormat, 0x7f, 'a'}},
		{"claim count larger than the record", append(append([]byte{memberFormat}, good[1:len(good)-1]...), 0x7f)},
		{"member.added seq of zero", append([]byte{memberFormatAdded, 0}, good[1:]...)},
		{"member.added seq past 64 bits", append([]byte{memberFormatAddedLeaving, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, good[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := decodeMember("a@x.org", tt.v); !errors.Is(err, errCorrupt) {
				t.Fatalf("decodeMember = %+v, %v; want errCorrupt", m, err)
			}
		})
	}
}
