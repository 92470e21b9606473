package oneroster

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/oneroster/fake"
)

// newBundle writes d as a bundle and opens a connector on it.
func newBundle(t testing.TB, d *fake.District, o fake.BundleOptions) *CSVConnector {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bundle")
	if o.Zip {
		path += ".zip"
	}
	if err := fake.WriteBundle(d, path, o); err != nil {
		t.Fatal(err)
	}
	c, err := NewCSV(CSVSettings{Path: path}, connectors.OpenOptions{Name: "drop"}, WithClock(connectortest.NewClock()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Real exports vary in form; every form gives the same people as the
// REST service of the same district.
func TestBundleForms(t *testing.T) {
	d := fake.Generate(9, 300, 6)
	sel := wholeSelection(d)
	want, err := fetchAll(t, newREST(t, d, restOptions{}).conn, sel)
	if err != nil || len(want) == 0 {
		t.Fatalf("REST baseline: %d people, %v", len(want), err)
	}
	cases := []struct {
		name string
		o    fake.BundleOptions
	}{
		{"folder", fake.BundleOptions{}},
		{"zip", fake.BundleOptions{Zip: true}},
		{"1.2 columns", fake.BundleOptions{Version: V12}},
		{"columns shuffled, extensions", fake.BundleOptions{ShuffleSeed: 42, Extensions: true}},
		{"blank status", fake.BundleOptions{BlankStatus: true, Zip: true}},
		{"byte order mark", fake.BundleOptions{BOM: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fetchAll(t, newBundle(t, d, tc.o), sel)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d people, want the REST service's %d", len(got), len(want))
			}
		})
	}
}

// replaceLine edits line n (1-based) of one file.
func replaceLine(file string, n int, f func(string) string) func(string, []byte) []byte {
	return func(name string, data []byte) []byte {
		if name != file {
			return data
		}
		lines := strings.Split(string(data), "\n")
		lines[n-1] = f(lines[n-1])
		return []byte(strings.Join(lines, "\n"))
	}
}

// setField replaces field n (1-based) of a CSV line without quotes.
func setField(line string, n int, v string) string {
	f := strings.Split(line, ",")
	f[n-1] = v
	return strings.Join(f, ",")
}

// Every bad bundle is rejected whole, and the error names the file, the
// line and the column.
func TestBadBundles(t *testing.T) {
	cases := []struct {
		name string
		edit func(string, []byte) []byte
		want []string // each must appear in the error
	}{
		{"bad date-time", replaceLine("users.csv", 3, func(l string) string { return strings.Replace(l, "2025-06-01T12:00:00.000Z", "06/01/2025", 1) }),
			[]string{`users.csv:3: column 3 (dateLastModified): "06/01/2025" is not a date-time`}},
		{"date-time without zone", replaceLine("users.csv", 2, func(l string) string { return strings.Replace(l, "12:00:00.000Z", "12:00:00", 1) }),
			[]string{`users.csv:2: column 3 (dateLastModified)`}},
		{"bad end date", replaceLine("enrollments.csv", 4, func(l string) string { return strings.TrimSuffix(l, ",") + ",2026/06/30" }),
			[]string{`enrollments.csv:4: column 10 (endDate): "2026/06/30" is not a date`}},
		{"bad status", replaceLine("users.csv", 5, func(l string) string { return strings.Replace(l, ",active,", ",inactive,", 1) }),
			[]string{`users.csv:5: column 2 (status): "inactive"`}},
		{"bad enabledUser", replaceLine("users.csv", 2, func(l string) string { return strings.Replace(l, ",true,", ",yes,", 1) }),
			[]string{`users.csv:2: column 4 (enabledUser): "yes": must be true or false`}},
		{"unknown role", replaceLine("enrollments.csv", 2, func(l string) string { return setField(l, 7, "pupil") }),
			[]string{`enrollments.csv:2: column 7 (role): "pupil" is not a OneRoster role`}},
		{"dangling user", replaceLine("enrollments.csv", 3, func(l string) string { return strings.Replace(l, ",usr-", ",usr-x", 1) }),
			[]string{`enrollments.csv:3: column 6 (userSourcedId)`, "is not a user of users.csv"}},
		{"duplicate sourcedId", func(name string, data []byte) []byte {
			if name != "users.csv" {
				return data
			}
			lines := strings.Split(string(data), "\n")
			lines[2] = setField(lines[2], 1, strings.Split(lines[1], ",")[0])
			return []byte(strings.Join(lines, "\n"))
		}, []string{`users.csv:3: column 1 (sourcedId):`, `is also on line 2`}},
		{"unknown column", replaceLine("users.csv", 1, func(l string) string { return strings.Replace(l, "middleName", "middlename", 1) }),
			[]string{`users.csv:1: column 11 (middlename): unknown column "middlename": header names are case-sensitive (did you mean "middleName"?)`}},
		{"missing column", replaceLine("enrollments.csv", 1, func(l string) string { return strings.Replace(l, "userSourcedId", "ext_user", 1) }),
			[]string{`enrollments.csv:1: required column "userSourcedId" is missing`}},
		{"field count", replaceLine("users.csv", 4, func(l string) string { return l + ",extra" }),
			[]string{`users.csv:4: the line has a different number of fields`}},
		{"bad quote", replaceLine("users.csv", 6, func(l string) string { return strings.Replace(l, ",", `,"x"y`, 1) }),
			[]string{`users.csv:6: extraneous or missing " in quoted-field`}},
		{"delta manifest", replaceLine("manifest.csv", 11, func(string) string { return "file.enrollments,delta" }),
			[]string{`manifest.csv:11: column 2 (value): file.enrollments is delta`}},
		{"users absent", replaceLine("manifest.csv", 16, func(string) string { return "file.users,absent" }),
			[]string{`manifest.csv:16: file.users must be bulk`, "users.csv: the manifest marks it absent"}},
		{"bad version", replaceLine("manifest.csv", 3, func(string) string { return "oneroster.version,1.0" }),
			[]string{`manifest.csv:3: column 2 (value): oneroster.version "1.0": must be 1.1 or 1.2`}},
		{"bad mode", replaceLine("manifest.csv", 13, func(string) string { return "file.orgs,full" }),
			[]string{`manifest.csv:13: column 2 (value): file.orgs "full": must be bulk, delta or absent`}},
	}
	d := fake.Generate(5, 60, 3)
	for _, tc := range cases {
		for _, zip := range []bool{false, true} {
			name := tc.name + "/folder"
			if zip {
				name = tc.name + "/zip"
			}
			t.Run(name, func(t *testing.T) {
				c := newBundle(t, d, fake.BundleOptions{Zip: zip, Edit: tc.edit})
				emitted := 0
				err := c.Fetch(context.Background(), wholeSelection(d), func(p []connectors.Person) error {
					emitted += len(p)
					return nil
				})
				if err == nil {
					t.Fatal("the bad bundle was accepted")
				}
				if emitted != 0 {
					t.Errorf("%d people emitted from a rejected bundle", emitted)
				}
				var be *BundleError
				if !errors.As(err, &be) {
					t.Fatalf("error %v is not a *BundleError", err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				if !strings.Contains(err.Error(), `oneroster-csv "drop"`) {
					t.Errorf("error does not name the connector: %v", err)
				}
			})
		}
	}
}

// Problems are listed up to a bound, then counted.
func TestBundleProblemsBounded(t *testing.T) {
	d := fake.Generate(5, 200, 3)
	c := newBundle(t, d, fake.BundleOptions{Edit: func(name string, data []byte) []byte {
		if name != "enrollments.csv" {
			return data
		}
		return []byte(strings.ReplaceAll(string(data), ",student,", ",pupil,"))
	}})
	err := c.Check(context.Background())
	var be *BundleError
	if !errors.As(err, &be) {
		t.Fatalf("got %v", err)
	}
	if len(be.Problems) != maxProblems || be.More == 0 {
		t.Errorf("%d problems listed and %d more, want %d and some more", len(be.Problems), be.More, maxProblems)
	}
}
