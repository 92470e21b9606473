package bolt

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// indexKeys lists every key of the license's member indexes (and its
// entries in emails/) as the stored members say they should be, and as
// the buckets hold them. A by_source entry is its key, "=", and its value
// in hex, which holds the claim.
func indexKeys(t *testing.T, s *Store, id string) (want, got map[string][]string) {
	t.Helper()
	want, got = map[string][]string{}, map[string][]string{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, id)
		if err != nil {
			return err
		}
		if err := lb.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			m, err := decodeMember(string(k), v)
			if err != nil {
				return err
			}
			want["by_name"] = append(want["by_name"], string(nameKey(nil, &m)))
			want["by_added"] = append(want["by_added"], string(addedKey(nil, &m)))
			for i := range m.Claims {
				c := &m.Claims[i]
				want["by_source"] = append(want["by_source"], sourceEntry(pair(string(c.Source), m.Email), encodeSourceClaim(nil, c, len(m.Claims) == 1)))
			}
			want["emails"] = append(want["emails"], string(pair(m.Email, id)))
			return nil
		}); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketByName, bucketByAdded, bucketBySource} {
			if err := lb.Bucket(name).ForEach(func(k, v []byte) error {
				e := string(k)
				if bytes.Equal(name, bucketBySource) {
					e = sourceEntry(k, v)
				}
				got[string(name)] = append(got[string(name)], e)
				return nil
			}); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketEmails).ForEach(func(k, _ []byte) error {
			if strings.HasSuffix(string(k), "\x00"+id) {
				got["emails"] = append(got["emails"], string(k))
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string][]string{want, got} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	return want, got
}

func sourceEntry(k, v []byte) string { return fmt.Sprintf("%s=%x", k, v) }

// TestApplyBatchOrder puts, in one transaction, changes whose seat order
// and key order differ, and checks that seats, overflow and the audit
// trail follow seat order while every index matches the members.
func TestApplyBatchOrder(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	dir, other := license.Source("sync/dir"), license.Source("sync/other")
	up := func(email string, src license.Source, name string, role license.Role) license.Change {
		return license.Change{Op: license.OpUpsert, Email: email, Source: src, Name: name, Role: role}
	}
	rm := func(email string, src license.Source) license.Change {
		return license.Change{Op: license.OpRemove, Email: email, Source: src}
	}
	tests := []struct {
		name      string
		batch     int
		atomic    bool
		wantAdded []string // new members, in seat order
		wantOver  []string
	}{
		{"one transaction", 0, true, []string{"t-zed@x.org", "o-amy@x.org", "s-bea@x.org"}, []string{"s-cal@x.org", "s-dan@x.org"}},
		{"batches of two", 2, false, []string{"t-zed@x.org", "o-amy@x.org", "s-bea@x.org"}, []string{"s-cal@x.org", "s-dan@x.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "r.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.CreateLicense(ctx, license.License{ID: "l", Name: "L", Type: license.TypeSchool, Seats: 5}); err != nil {
				t.Fatal(err)
			}
			// Three members to start: one to lose its last claim, one to
			// gain a claim, one to be renamed (moving its by_name key).
			if _, err := s.Apply(ctx, "l", []license.Change{up("gone@x.org", dir, "Gone", ""), up("two@x.org", dir, "Two", ""),
				up("rename@x.org", dir, "Old Name", "")}, license.ApplyOptions{Now: t0}); err != nil {
				t.Fatal(err)
			}
			seq0 := len(events(t, s))
			changes := []license.Change{
				up("s-dan@x.org", dir, "Dan", license.RoleStudent),
				up("rename@x.org", dir, "New Name", ""),
				up("s-bea@x.org", dir, "Bea", license.RoleStudent),
				rm("gone@x.org", dir),
				up("o-amy@x.org", dir, "Amy", license.RoleOther),
				up("two@x.org", other, "Two", license.RoleTeacher),
				up("s-cal@x.org", dir, "Cal", license.RoleStudent),
				up("t-zed@x.org", dir, "Zed", license.RoleTeacher),
			}
			r, err := s.Apply(ctx, "l", changes, license.ApplyOptions{Now: t0.Add(time.Hour), BatchSize: tt.batch, Atomic: tt.atomic, Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var over []string
			for _, o := range r.Overflow {
				over = append(over, o.Email)
			}
			if !slices.Equal(over, tt.wantOver) || r.MembersAdded != len(tt.wantAdded) || r.MembersRemoved != 1 || r.ClaimsAdded != 1 || r.ClaimsUpdated != 1 {
				t.Fatalf("result %+v (overflow %v); want %d added, overflow %v", r, over, len(tt.wantAdded), tt.wantOver)
			}
			// The trail is in seat order: the removal, the updates (by
			// email), then new members teachers → other → students.
			var trail []string
			for _, ev := range events(t, s)[seq0:] {
				trail = append(trail, fmt.Sprintf("%s %s", ev.Action, ev.Email))
			}
			want := []string{"member.removed gone@x.org", "claim.updated rename@x.org", "claim.added two@x.org"}
			for _, e := range tt.wantAdded {
				want = append(want, "member.added "+e)
			}
			if !slices.Equal(trail, want) {
				t.Fatalf("audit trail\n%s\nwant\n%s", strings.Join(trail, "\n"), strings.Join(want, "\n"))
			}
			for _, ev := range events(t, s)[seq0:] {
				if h, err := s.Events(ctx, "l", license.EventQuery{Email: ev.Email, After: ev.Seq - 1, Limit: 1}); err != nil || len(h) != 1 || h[0].Seq != ev.Seq {
					t.Fatalf("member history of %s does not start at event %d: %+v, %v", ev.Email, ev.Seq, h, err)
				}
			}
			wantKeys, gotKeys := indexKeys(t, s, "l")
			for _, ix := range []string{"by_name", "by_added", "by_source", "emails"} {
				if !slices.Equal(gotKeys[ix], wantKeys[ix]) {
					t.Errorf("%s holds %q, want %q", ix, gotKeys[ix], wantKeys[ix])
				}
			}
			if l, _ := s.GetLicense(ctx, "l"); l.Used != 5 {
				t.Fatalf("Used %d, want 5", l.Used)
			}
		})
	}
}

func events(t *testing.T, s *Store) []license.Event {
	t.Helper()
	evs, err := s.Events(context.Background(), "l", license.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
