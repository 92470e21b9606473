package oneroster

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// Problem is one thing wrong with a bundle, where it is.
type Problem struct {
	File   string // e.g. users.csv
	Line   int    // 1-based; 0 for the file as a whole
	Column int    // 1-based field number; 0 for the whole line
	Field  string // the column's header name, where known
	Msg    string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Column > 0 {
		fmt.Fprintf(&b, ": column %d", p.Column)
		if p.Field != "" {
			fmt.Fprintf(&b, " (%s)", p.Field)
		}
	}
	return b.String() + ": " + p.Msg
}

// maxProblems bounds what one rejection lists: the first ones are what an
// admin fixes first, and a wholly wrong file would list every line.
const maxProblems = 50

// BundleError rejects a whole bundle: nothing of it is used.
type BundleError struct {
	Path     string
	Problems []Problem
	More     int // problems found beyond those listed
}

func (e *BundleError) Error() string {
	n := len(e.Problems) + e.More
	word := "problems"
	if n == 1 {
		word = "problem"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "OneRoster bundle %s rejected, %d %s:", e.Path, n, word)
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", e.More)
	}
	return b.String()
}

// errUnreadable marks a bundle that could not be opened or read at all,
// which may pass (an upload still under way): worth another try.
var errUnreadable = errors.New("bundle cannot be read")

// maxFileSize bounds one decompressed file.
const maxFileSize = 2 << 30

// bundle is a validated bundle, reduced to what the connector uses.
type bundle struct {
	version     string // oneroster.version
	users       []bundleUser
	enrollments []bundleEnrollment
	orgs        map[string]string // sourcedId → status; nil: orgs.csv absent
	classes     map[string]string // likewise
	// orgRoles are the users' roles at orgs: roles.csv's rows when the
	// bundle has it (1.2), else users.csv's role at each of the user's
	// orgSourcedIds (1.1). rolesFrom names where they came from.
	orgRoles  []bundleRole
	rolesFrom string
}

// bundleRole is one role a user holds at an org.
type bundleRole struct {
	user, org, role, status, endDate string
}

type bundleUser struct {
	id, status, username, email, given, family string
	enabled                                    bool
	role                                       string   // users.csv's role (1.1); "" when the file has none
	orgIDs                                     []string // users.csv's orgSourcedIds (1.1)
}

type bundleEnrollment struct {
	user, class, school, role, status, endDate string
}

// openBundle opens a .zip file or a folder as a file system whose root
// holds manifest.csv. A zip whose files sit in one folder is opened at
// that folder, as zipping a folder makes them.
func openBundle(p string) (fs.FS, io.Closer, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	if fi.IsDir() {
		return os.DirFS(p), io.NopCloser(nil), nil
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s is not a readable zip file (still being uploaded?): %w", errUnreadable, p, err)
	}
	var fsys fs.FS = zr
	if _, err := fs.Stat(zr, fileManifest); err != nil {
		var dirs []string
		for _, f := range zr.File {
			if path.Base(f.Name) == fileManifest && strings.Count(strings.TrimSuffix(f.Name, "/"), "/") == 1 {
				dirs = append(dirs, path.Dir(f.Name))
			}
		}
		if len(dirs) == 1 {
			if sub, err := fs.Sub(zr, dirs[0]); err == nil {
				fsys = sub
			}
		}
	}
	return fsys, zr, nil
}

// readBundlePath opens and validates the bundle at p.
func readBundlePath(p string) (*bundle, error) {
	fsys, closer, err := openBundle(p)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return readBundle(fsys, p)
}

// problems collects what is wrong, up to maxProblems.
type problems struct {
	list []Problem
	more int
}

func (ps *problems) add(p Problem) {
	if len(ps.list) < maxProblems {
		ps.list = append(ps.list, p)
	} else {
		ps.more++
	}
}

func (ps *problems) full() bool { return len(ps.list) >= maxProblems }

// readBundle validates a whole bundle: the manifest, then every data file
// Rollcall reads, then the references between them. Any problem rejects
// the bundle; an I/O error makes it unreadable.
func readBundle(fsys fs.FS, name string) (*bundle, error) {
	ps := &problems{}
	b := &bundle{}
	modes, err := readManifest(fsys, b, ps)
	if err != nil {
		return nil, err
	}
	present := func(f string) bool {
		_, err := fs.Stat(fsys, f)
		return err == nil
	}
	for _, f := range []string{fileUsers, fileEnrollments, fileOrgs, fileClasses, fileRoles} {
		prop := "file." + strings.TrimSuffix(f, ".csv")
		mode, listed := modes[prop]
		required := f == fileUsers || f == fileEnrollments
		switch {
		case mode.value == "delta":
			ps.add(Problem{File: fileManifest, Line: mode.line, Column: 2, Field: "value",
				Msg: fmt.Sprintf("%s is delta: Rollcall reads bulk bundles, whose files hold the whole roster", prop)})
		case required && (!listed || mode.value == "absent"):
			ps.add(Problem{File: fileManifest, Line: mode.line, Msg: fmt.Sprintf("%s must be bulk: Rollcall needs %s", prop, f)})
		case mode.value == "bulk" && !present(f):
			ps.add(Problem{File: fileManifest, Line: mode.line, Column: 2, Field: "value",
				Msg: fmt.Sprintf("%s is bulk but the bundle has no %s", prop, f)})
		}
		if (!listed || mode.value == "absent") && present(f) {
			ps.add(Problem{File: f, Msg: fmt.Sprintf("the manifest marks it absent (%s), yet the bundle has it", prop)})
		}
	}
	if len(ps.list) > 0 {
		return nil, &BundleError{Path: name, Problems: ps.list, More: ps.more}
	}
	if modes["file.orgs"].value == "bulk" {
		b.orgs = map[string]string{}
		if err := readFile(fsys, fileOrgs, ps, func(r *row) {
			id := r.id()
			if id != "" {
				b.orgs[id] = r.status()
			}
			r.nonEmpty("name")
			r.nonEmpty("type")
		}); err != nil {
			return nil, err
		}
	}
	if modes["file.classes"].value == "bulk" {
		b.classes = map[string]string{}
		if err := readFile(fsys, fileClasses, ps, func(r *row) {
			id := r.id()
			if id != "" {
				b.classes[id] = r.status()
			}
			r.nonEmpty("title")
			if s := r.nonEmpty("schoolSourcedId"); s != "" && b.orgs != nil {
				if _, ok := b.orgs[s]; !ok {
					r.bad("schoolSourcedId", fmt.Sprintf("%q is not an org of orgs.csv", s))
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	userIDs := map[string]struct{}{}
	rolesFile := modes["file.roles"].value == "bulk"
	if err := readFile(fsys, fileUsers, ps, func(r *row) {
		u := bundleUser{id: r.id(), status: r.status(), username: r.get("username"), email: r.get("email"),
			given: r.get("givenName"), family: r.get("familyName")}
		u.enabled = r.boolean("enabledUser")
		if !rolesFile {
			// 1.1: the user's one role, at each of their orgs.
			if u.role = strings.TrimSpace(r.get("role")); u.role != "" && !knownRole(u.role) {
				r.bad("role", fmt.Sprintf("%q is not a OneRoster role", u.role))
			}
			u.orgIDs = splitList(r.get("orgSourcedIds"))
		}
		if u.id != "" {
			userIDs[u.id] = struct{}{}
			b.users = append(b.users, u)
		}
	}); err != nil {
		return nil, err
	}
	if rolesFile {
		b.rolesFrom = fileRoles
		if err := readFile(fsys, fileRoles, ps, func(r *row) {
			r.id()
			br := bundleRole{status: r.status(), user: r.nonEmpty("userSourcedId"), org: r.nonEmpty("orgSourcedId"),
				role: r.nonEmpty("role")}
			if br.role != "" && !knownRole(br.role) {
				r.bad("role", fmt.Sprintf("%q is not a OneRoster role (1.2: aide, counselor, districtAdministrator, guardian, parent, principal, proctor, relative, siteAdministrator, student, systemAdministrator, teacher, or ext:<name>)", br.role))
			}
			if rt := r.nonEmpty("roleType"); rt != "" && !slices.Contains(roleTypes, rt) {
				r.bad("roleType", fmt.Sprintf("%q: must be primary or secondary", rt))
			}
			r.date("beginDate")
			br.endDate = r.date("endDate")
			if _, ok := userIDs[br.user]; br.user != "" && !ok {
				r.bad("userSourcedId", fmt.Sprintf("%q is not a user of users.csv", br.user))
			}
			if _, ok := b.orgs[br.org]; br.org != "" && b.orgs != nil && !ok {
				r.bad("orgSourcedId", fmt.Sprintf("%q is not an org of orgs.csv", br.org))
			}
			b.orgRoles = append(b.orgRoles, br)
		}); err != nil {
			return nil, err
		}
	} else {
		b.rolesFrom = fileUsers + " role"
		for i := range b.users {
			u := &b.users[i]
			for _, org := range u.orgIDs {
				if u.role != "" {
					b.orgRoles = append(b.orgRoles, bundleRole{user: u.id, org: org, role: u.role, status: u.status})
				}
			}
		}
	}
	if err := readFile(fsys, fileEnrollments, ps, func(r *row) {
		r.id()
		e := bundleEnrollment{status: r.status(), user: r.nonEmpty("userSourcedId"),
			class: r.nonEmpty("classSourcedId"), school: r.nonEmpty("schoolSourcedId"), role: r.nonEmpty("role")}
		if e.role != "" && !knownRole(e.role) {
			r.bad("role", fmt.Sprintf("%q is not a OneRoster role", e.role))
		}
		r.date("beginDate")
		e.endDate = r.date("endDate")
		if _, ok := userIDs[e.user]; e.user != "" && !ok {
			r.bad("userSourcedId", fmt.Sprintf("%q is not a user of users.csv", e.user))
		}
		if _, ok := b.classes[e.class]; e.class != "" && b.classes != nil && !ok {
			r.bad("classSourcedId", fmt.Sprintf("%q is not a class of classes.csv", e.class))
		}
		if _, ok := b.orgs[e.school]; e.school != "" && b.orgs != nil && !ok {
			r.bad("schoolSourcedId", fmt.Sprintf("%q is not an org of orgs.csv", e.school))
		}
		b.enrollments = append(b.enrollments, e)
	}); err != nil {
		return nil, err
	}
	if len(ps.list) > 0 {
		return nil, &BundleError{Path: name, Problems: ps.list, More: ps.more}
	}
	return b, nil
}

type manifestValue struct {
	value string
	line  int
}

// splitList splits a cell holding a comma-separated list (orgSourcedIds),
// dropping blanks.
func splitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// readManifest checks manifest.csv and returns its file.* modes.
func readManifest(fsys fs.FS, b *bundle, ps *problems) (map[string]manifestValue, error) {
	props := map[string]manifestValue{}
	err := readFile(fsys, fileManifest, ps, func(r *row) {
		name, value := r.nonEmpty("propertyName"), r.get("value")
		if name == "" {
			return
		}
		if prev, dup := props[name]; dup {
			r.bad("propertyName", fmt.Sprintf("%s is given twice (first on line %d)", name, prev.line))
			return
		}
		props[name] = manifestValue{value: value, line: r.line}
		switch {
		case name == "manifest.version":
			if value != "1.0" {
				r.bad("value", fmt.Sprintf("manifest.version %q: must be 1.0", value))
			}
		case name == "oneroster.version":
			if value != V11 && value != V12 {
				r.bad("value", fmt.Sprintf("oneroster.version %q: must be 1.1 or 1.2", value))
			}
			b.version = value
		case strings.HasPrefix(name, "file."):
			if !slices.Contains([]string{"bulk", "delta", "absent"}, value) {
				r.bad("value", fmt.Sprintf("%s %q: must be bulk, delta or absent", name, value))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if len(ps.list) == 0 {
		for _, req := range []string{"manifest.version", "oneroster.version"} {
			if _, ok := props[req]; !ok {
				ps.add(Problem{File: fileManifest, Msg: req + " is missing"})
			}
		}
	}
	return props, nil
}

// row is one data line being checked.
type row struct {
	file   string
	line   int
	rec    []string
	index  map[string]int // header name → field index
	ps     *problems
	seen   map[string]int // sourcedId → line, for duplicates
	fields *csv.Reader
}

func (r *row) col(name string) (int, bool) {
	i, ok := r.index[name]
	return i, ok
}

func (r *row) get(name string) string {
	if i, ok := r.col(name); ok {
		return r.rec[i]
	}
	return ""
}

func (r *row) bad(name, msg string) {
	p := Problem{File: r.file, Line: r.line, Field: name, Msg: msg}
	if i, ok := r.col(name); ok {
		p.Column = i + 1
		if l, _ := r.fields.FieldPos(i); l > 0 {
			p.Line = l
		}
	}
	r.ps.add(p)
}

func (r *row) nonEmpty(name string) string {
	v := r.get(name)
	if strings.TrimSpace(v) == "" {
		r.bad(name, "is empty")
		return ""
	}
	return v
}

// id checks sourcedId: present and unique within the file.
func (r *row) id() string {
	v := r.nonEmpty("sourcedId")
	if v == "" {
		return ""
	}
	if first, dup := r.seen[v]; dup {
		r.bad("sourcedId", fmt.Sprintf("%q is also on line %d", v, first))
		return ""
	}
	r.seen[v] = r.line
	return v
}

// status checks status and dateLastModified: empty (allowed in bulk
// files), or active / tobedeleted and a date-time.
func (r *row) status() string {
	s := r.get("status")
	switch s {
	case "", "active", statusToBeDeleted:
	default:
		r.bad("status", fmt.Sprintf("%q: must be active, tobedeleted or empty", s))
	}
	if d := r.get("dateLastModified"); d != "" {
		if _, ok := parseDateTime(d); !ok {
			r.bad("dateLastModified", fmt.Sprintf("%q is not a date-time such as 2025-08-14T09:30:00.000Z (ISO 8601 with a time zone)", d))
		}
	}
	return s
}

func (r *row) boolean(name string) bool {
	switch v := r.get(name); strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	default:
		r.bad(name, fmt.Sprintf("%q: must be true or false", v))
		return false
	}
}

func (r *row) date(name string) string {
	v := r.get(name)
	if v != "" && !parseDate(v) {
		r.bad(name, fmt.Sprintf("%q is not a date such as 2025-08-14 (YYYY-MM-DD)", v))
		return ""
	}
	return v
}

// readFile reads one CSV file: the header (columns by name, in any
// order, each once; the file's required columns present; unknown columns
// only as ext_* or metadata.*), then each line through fn. Problems go to
// ps; the error is for I/O only.
func readFile(fsys fs.FS, name string, ps *problems, fn func(*row)) error {
	f, err := fsys.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			ps.add(Problem{File: name, Msg: "is missing from the bundle"})
			return nil
		}
		return fmt.Errorf("%w: opening %s: %w", errUnreadable, name, err)
	}
	defer f.Close()
	cr := csv.NewReader(&limitedReader{r: f, n: maxFileSize, name: name})
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			ps.add(Problem{File: name, Line: 1, Msg: "is empty: the header line is missing"})
			return nil
		}
		return csvProblem(name, err, ps)
	}
	header = slices.Clone(header)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF") // a BOM is allowed
	}
	r := &row{file: name, index: map[string]int{}, ps: ps, seen: map[string]int{}, fields: cr}
	cols, isData := fileColumns[name]
	if !isData {
		cols = columns{required: []string{"propertyName", "value"}}
	}
	headerOK := true
	for i, h := range header {
		hp := Problem{File: name, Line: 1, Column: i + 1, Field: h}
		if first, dup := r.index[h]; dup {
			hp.Msg = fmt.Sprintf("column %q is also column %d", h, first+1)
			ps.add(hp)
			headerOK = false
			continue
		}
		r.index[h] = i
		if isData && !slices.Contains(cols.required, h) && !slices.Contains(cols.optional, h) && !extensionColumn(h) {
			if i := slices.IndexFunc(append(slices.Clone(cols.required), cols.optional...), func(c string) bool { return strings.EqualFold(c, h) }); i >= 0 {
				hp.Msg = fmt.Sprintf("unknown column %q: header names are case-sensitive (did you mean %q?)", h, append(slices.Clone(cols.required), cols.optional...)[i])
			} else {
				hp.Msg = fmt.Sprintf("unknown column %q: extension columns must start with ext_ or metadata.", h)
			}
			ps.add(hp)
			headerOK = false
		}
	}
	for _, req := range cols.required {
		if _, ok := r.index[req]; !ok {
			ps.add(Problem{File: name, Line: 1, Msg: fmt.Sprintf("required column %q is missing from the header", req)})
			headerOK = false
		}
	}
	if !headerOK {
		return nil // the lines cannot be read against a wrong header
	}
	for !ps.full() {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if e := csvProblem(name, err, ps); e != nil {
				return e
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				continue // the next line may be fine
			}
			return nil // a quoting error leaves the reader lost
		}
		r.rec = rec
		r.line, _ = cr.FieldPos(0)
		fn(r)
	}
	// Bounded: count the lines left without checking them.
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return fmt.Errorf("%w: reading %s: %w", errUnreadable, name, err)
		}
		ps.more++
	}
}

// csvProblem records a CSV syntax error as a problem, or returns an I/O
// error as unreadable.
func csvProblem(name string, err error, ps *problems) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%w: reading %s: %w", errUnreadable, name, err)
	}
	msg := pe.Err.Error()
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		msg = "the line has a different number of fields than the header"
	}
	ps.add(Problem{File: name, Line: pe.Line, Column: 0, Msg: fmt.Sprintf("%s (at byte %d of the line)", msg, pe.Column)})
	return nil
}

// limitedReader fails a file that decompresses beyond n bytes.
type limitedReader struct {
	r    io.Reader
	n    int64
	name string
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("%s is larger than %d bytes", l.name, int64(maxFileSize))
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
