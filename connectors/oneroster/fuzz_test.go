package oneroster

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
)

// FuzzBundle feeds arbitrary users.csv and enrollments.csv to the bundle
// reader: it never panics, a rejection is a *BundleError whose every
// problem names a file (and a line, for problems inside a file's
// lines), and an accepted bundle keeps its promises: unique user ids,
// every enrollment naming a known user and a known role.
func FuzzBundle(f *testing.F) {
	dir := f.TempDir()
	if err := fake.WriteBundle(fake.Generate(2, 20, 2), dir, fake.BundleOptions{}); err != nil {
		f.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	manifest, orgs, classes := read(fileManifest), read(fileOrgs), read(fileClasses)
	f.Add(read(fileUsers), read(fileEnrollments))
	f.Add([]byte("sourcedId,enabledUser,username,givenName,familyName\nu1,true,a@b.c,A,B\n"),
		[]byte("sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,endDate\ne1,cls-5001,sch-001,u1,teacher,2020-01-01\n"))
	f.Add([]byte("\uFEFFsourcedId,\"enabledUser\",username,givenName,familyName,ext_x\nu1,TRUE,\"a,b\",\"A \"\"Q\"\"\",B,1\n"), []byte("\n"))
	f.Add([]byte("sourcedId,sourcedId\n"), []byte("sourcedId,role\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, users, enrollments []byte) {
		fsys := fstest.MapFS{
			fileManifest:    {Data: manifest},
			fileOrgs:        {Data: orgs},
			fileClasses:     {Data: classes},
			fileUsers:       {Data: users},
			fileEnrollments: {Data: enrollments},
		}
		type result struct {
			b   *bundle
			err error
		}
		done := make(chan result, 1)
		go func() {
			b, err := readBundle(fsys, "fuzz")
			done <- result{b, err}
		}()
		var b *bundle
		var err error
		select {
		case r := <-done:
			b, err = r.b, r.err
		case <-time.After(20 * time.Second):
			t.Fatalf("readBundle did not return in 20s for users %q, enrollments %q", users, enrollments)
		}
		if err != nil {
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("rejection %v is not a *BundleError", err)
			}
			if len(be.Problems) == 0 {
				t.Fatal("a rejection lists no problem")
			}
			for _, p := range be.Problems {
				if p.File == "" || p.Msg == "" || (p.Column > 0 && p.Line == 0) {
					t.Fatalf("problem %+v does not say where", p)
				}
			}
			return
		}
		ids := map[string]bool{}
		for _, u := range b.users {
			if u.id == "" || ids[u.id] {
				t.Fatalf("accepted user id %q empty or twice", u.id)
			}
			ids[u.id] = true
		}
		for _, e := range b.enrollments {
			if !ids[e.user] || !knownRole(e.role) {
				t.Fatalf("accepted enrollment %+v names an unknown user or role", e)
			}
		}
	})
}

// FuzzRolesFile feeds arbitrary roles.csv to the reader of a 1.2 bundle:
// it never panics, a rejection names where each problem is, and an
// accepted bundle's org roles each name a user of users.csv, an org of
// orgs.csv and a known role.
func FuzzRolesFile(f *testing.F) {
	dir := f.TempDir()
	if err := fake.WriteBundle(fake.Generate(2, 20, 2), dir, fake.BundleOptions{Version: V12}); err != nil {
		f.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, name := range []string{fileManifest, fileOrgs, fileClasses, fileUsers, fileEnrollments, fileRoles} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: b}
	}
	f.Add(files[fileRoles].Data)
	f.Add([]byte("sourcedId,userSourcedId,roleType,role,orgSourcedId\nr1,usr-0001,primary,principal,sch-001\n"))
	f.Add([]byte("\uFEFFsourcedId,userSourcedId,roleType,role,orgSourcedId,endDate,ext_x\nr1,usr-0001,secondary,ext:coach,sch-001,2020-01-01,\"a,b\"\n"))
	f.Add([]byte("sourcedId,roleType\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, roles []byte) {
		fsys := fstest.MapFS{}
		for name, file := range files {
			fsys[name] = file
		}
		fsys[fileRoles] = &fstest.MapFile{Data: roles}
		b, err := readBundle(fsys, "fuzz")
		if err != nil {
			var be *BundleError
			if !errors.As(err, &be) || len(be.Problems) == 0 {
				t.Fatalf("rejection %v is not a *BundleError with problems", err)
			}
			for _, p := range be.Problems {
				if p.File == "" || p.Msg == "" || (p.Column > 0 && p.Line == 0) {
					t.Fatalf("problem %+v does not say where", p)
				}
			}
			return
		}
		users := map[string]bool{}
		for _, u := range b.users {
			users[u.id] = true
		}
		for _, r := range b.orgRoles {
			if _, org := b.orgs[r.org]; !users[r.user] || !org || !knownRole(r.role) {
				t.Fatalf("accepted role %+v names an unknown user, org or role", r)
			}
		}
		if b.rolesFrom != fileRoles {
			t.Fatalf("roles read from %q", b.rolesFrom)
		}
	})
}
