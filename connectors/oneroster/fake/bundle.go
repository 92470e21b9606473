package fake

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// BundleOptions shape a CSV bundle the way real exports vary.
type BundleOptions struct {
	Version string // oneroster.version: 1.1 (default) or 1.2
	Zip     bool   // write a .zip file at the path, else files in a folder
	// ShuffleSeed, when not zero, reorders each file's columns.
	ShuffleSeed uint64
	// Extensions adds ext_* and metadata.* columns.
	Extensions bool
	// BlankStatus leaves status and dateLastModified empty on active
	// records, as bulk exports may.
	BlankStatus bool
	// BOM starts every file with a UTF-8 byte order mark.
	BOM bool
	// Empty writes users.csv and enrollments.csv with their header only.
	Empty bool
	// NoRoles leaves roles.csv out of a 1.2 bundle (file.roles absent),
	// as an export with nothing but class rosters to give may; 1.2
	// bundles have it otherwise. 1.1 has no roles.csv: users.csv's role
	// and orgSourcedIds say each user's one role.
	NoRoles bool
	// Edit, when set, may change a file's bytes before they are written
	// (tests make bad bundles with it).
	Edit func(name string, data []byte) []byte
}

var (
	users11Columns = []string{"sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username",
		"userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"}
	users12Columns = []string{"sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName",
		"familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
		"userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName", "preferredFamilyName",
		"primaryOrgSourcedId", "pronouns"}
	enrollmentColumns = []string{"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId",
		"role", "primary", "beginDate", "endDate"}
	// roles.csv (1.2 only): one row per user and org, the first org's
	// primary and the others secondary.
	rolesColumns = []string{"sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate",
		"endDate", "orgSourcedId", "userProfileSourcedId"}
	orgColumns   = []string{"sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"}
	classColumns = []string{"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode",
		"classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"}
	manifestFiles = []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
		"demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"}
)

// WriteBundle writes d as a OneRoster CSV bundle at path: manifest.csv,
// orgs.csv, classes.csv, users.csv and enrollments.csv, and for 1.2
// roles.csv (unless NoRoles), every file declared bulk and the others
// absent.
func WriteBundle(d *District, path string, o BundleOptions) error {
	d = d.Clone()
	d.sort()
	if o.Version == "" {
		o.Version = "1.1"
	}
	files := map[string][]byte{}
	var order []string
	add := func(name string, header []string, rows []map[string]string) error {
		b, err := o.csvFile(name, header, rows)
		if err != nil {
			return err
		}
		if o.Edit != nil {
			b = o.Edit(name, b)
		}
		files[name] = b
		order = append(order, name)
		return nil
	}
	var m bytes.Buffer
	m.WriteString("propertyName,value\nmanifest.version,1.0\noneroster.version," + o.Version + "\n")
	mfiles := manifestFiles
	if o.Version == "1.2" {
		mfiles = append(append([]string(nil), manifestFiles...), "roles", "userProfiles")
	}
	roles := o.Version == "1.2" && !o.NoRoles
	for _, f := range mfiles {
		mode := "absent"
		switch f {
		case "users", "enrollments", "orgs", "classes":
			mode = "bulk"
		case "roles":
			if roles {
				mode = "bulk"
			}
		}
		fmt.Fprintf(&m, "file.%s,%s\n", f, mode)
	}
	m.WriteString("source.systemName,Rollcall fake SIS\nsource.systemCode,rollcall-fake\n")
	mb := m.Bytes()
	if o.BOM {
		mb = append([]byte("\uFEFF"), mb...)
	}
	if o.Edit != nil {
		mb = o.Edit("manifest.csv", mb)
	}
	files["manifest.csv"] = mb
	order = append(order, "manifest.csv")

	status := func(st string, mod string) (string, string) {
		if o.BlankStatus && st == StatusActive {
			return "", ""
		}
		return st, mod
	}
	var rows []map[string]string
	for _, x := range d.Orgs {
		st, mod := status(x.Status, stamp(x.Modified))
		rows = append(rows, map[string]string{"sourcedId": x.SourcedID, "status": st, "dateLastModified": mod,
			"name": x.Name, "type": x.Type, "identifier": x.SourcedID, "parentSourcedId": x.Parent})
	}
	if err := add("orgs.csv", orgColumns, rows); err != nil {
		return err
	}
	rows = nil
	for _, x := range d.Classes {
		st, mod := status(x.Status, stamp(x.Modified))
		rows = append(rows, map[string]string{"sourcedId": x.SourcedID, "status": st, "dateLastModified": mod,
			"title": x.Title, "courseSourcedId": "crs-" + x.SourcedID, "classCode": x.SourcedID, "classType": "scheduled",
			"schoolSourcedId": x.School, "termSourcedIds": "term-1"})
	}
	if err := add("classes.csv", classColumns, rows); err != nil {
		return err
	}
	rows = nil
	if !o.Empty {
		for _, x := range d.Users {
			st, mod := status(x.Status, stamp(x.Modified))
			enabled := "true"
			if !x.Enabled {
				enabled = "false"
			}
			r := map[string]string{"sourcedId": x.SourcedID, "status": st, "dateLastModified": mod, "enabledUser": enabled,
				"orgSourcedIds": strings.Join(x.Orgs, ","), "role": x.Role, "username": x.Username, "givenName": x.GivenName,
				"familyName": x.FamilyName, "identifier": x.SourcedID, "email": x.Email}
			if len(x.Orgs) > 0 {
				r["primaryOrgSourcedId"] = x.Orgs[0]
			}
			rows = append(rows, r)
		}
	}
	uc := users11Columns
	if o.Version == "1.2" {
		uc = users12Columns
	}
	if err := add("users.csv", uc, rows); err != nil {
		return err
	}
	rows = nil
	if roles {
		if !o.Empty {
			rows = roleRows(d, status)
		}
		if err := add("roles.csv", rolesColumns, rows); err != nil {
			return err
		}
		rows = nil
	}
	if !o.Empty {
		for _, x := range d.Enrollments {
			st, mod := status(x.Status, stamp(x.Modified))
			rows = append(rows, map[string]string{"sourcedId": x.SourcedID, "status": st, "dateLastModified": mod,
				"classSourcedId": x.Class, "schoolSourcedId": x.School, "userSourcedId": x.User, "role": x.Role,
				"primary": "false", "beginDate": "2025-08-15", "endDate": x.EndDate})
		}
	}
	if err := add("enrollments.csv", enrollmentColumns, rows); err != nil {
		return err
	}
	if o.Zip {
		return writeZip(path, order, files)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return err
	}
	for _, name := range order {
		if err := os.WriteFile(filepath.Join(path, name), files[name], 0o600); err != nil {
			return err
		}
	}
	return nil
}

// roleRows are roles.csv's rows: each user's Role at each of their Orgs
// (primary at the first, secondary at the others), then their OrgRoles
// (secondary). A role row's status follows its user's, since a user
// tobedeleted takes their roles with them.
func roleRows(d *District, status func(st, mod string) (string, string)) []map[string]string {
	var rows []map[string]string
	for _, x := range d.Users {
		n := 0
		row := func(org, role, roleType, end string) {
			n++
			st, mod := status(x.Status, stamp(x.Modified))
			rows = append(rows, map[string]string{"sourcedId": fmt.Sprintf("rol-%s-%d", x.SourcedID, n), "status": st,
				"dateLastModified": mod, "userSourcedId": x.SourcedID, "roleType": roleType, "role": role, "orgSourcedId": org,
				"endDate": end})
		}
		for i, org := range x.Orgs {
			roleType := "primary"
			if i > 0 {
				roleType = "secondary"
			}
			row(org, x.Role, roleType, "")
		}
		for _, r := range x.OrgRoles {
			row(r.Org, r.Role, "secondary", r.EndDate)
		}
	}
	return rows
}

func (o BundleOptions) csvFile(name string, header []string, rows []map[string]string) ([]byte, error) {
	cols := append([]string(nil), header...)
	if o.Extensions {
		cols = append(cols, "ext_rollcall_batch", "metadata.fake.note")
	}
	if o.ShuffleSeed != 0 {
		rng := rand.New(rand.NewPCG(o.ShuffleSeed, uint64(len(name))))
		rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
	}
	var buf bytes.Buffer
	if o.BOM {
		buf.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&buf)
	if err := w.Write(cols); err != nil {
		return nil, err
	}
	rec := make([]string, len(cols))
	for _, r := range rows {
		for i, c := range cols {
			switch c {
			case "ext_rollcall_batch":
				rec[i] = "batch-7"
			case "metadata.fake.note":
				rec[i] = "note, with a comma"
			default:
				rec[i] = r[c]
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func writeZip(path string, order []string, files map[string][]byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := io.Copy(w, bytes.NewReader(files[name])); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TruncateFile cuts a file to half its size, as an upload caught half
// way leaves a zip.
func TruncateFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, fi.Size()/2)
}
