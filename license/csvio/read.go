package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rollcall-sync/rollcall/license"
)

// Limits on one upload.
const (
	MaxRows  = 1_000_000
	MaxBytes = 100 << 20
	// MaxNameLen bounds a name cell, in bytes.
	MaxNameLen = 200
)

// Row is one person of an upload. Line is where they first appear in the
// file (from 1); Email is normalized and Role is never empty.
type Row struct {
	Line  int          `json:"line"`
	Email string       `json:"email"`
	Name  string       `json:"name,omitempty"`
	Role  license.Role `json:"role"`
}

// ReadImport reads and checks a whole upload; file names it in errors.
//
// Columns are email (required), name and role (optional, empty is
// student). A first row made of column names is a header, in any order and
// case ("Email Address", "First Name" and "Last Name" are understood); the
// export's own extra columns are accepted and ignored. Without a header the
// columns are email, name, role. A UTF-8 byte order mark, CRLF line ends,
// quoted cells holding commas or line breaks, blank lines and spaces around
// cells are all fine.
//
// Any bad row makes the result an *ImportError listing every bad row. A
// person listed twice becomes one Row with the stronger role and the first
// name given. A file over MaxBytes or MaxRows is refused with ErrTooLarge.
func ReadImport(r io.Reader, file string) ([]Row, error) {
	return readImport(r, file, MaxRows, MaxBytes)
}

// readImport is ReadImport with its limits as arguments, so tests can reach
// them without 100 MiB files.
func readImport(r io.Reader, file string, maxRows int, maxBytes int64) ([]Row, error) {
	lr := &limitReader{r: r, left: maxBytes}
	br := bufio.NewReaderSize(lr, 64<<10)
	var bomLen int64
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
		bomLen = 3
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// Leading spaces are trimmed anyway; letting the reader skip them also
	// accepts `a@b.org, "Smith, Ann"`, as people type it.
	cr.TrimLeadingSpace = true

	rd := reader{file: file, ierr: &ImportError{File: file}, seen: map[string]int{}}
	var cols *columns
	headerLine, sawBlank := 0, false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return nil, fmt.Errorf("%s: larger than the limit of %s: %w", file, size(maxBytes), ErrTooLarge)
			}
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read %s: %w", file, err)
			}
			rd.ierr.add(syntaxError(pe))
			continue
		}
		for i := range rec {
			rec[i] = unneutralise(strings.TrimSpace(rec[i]))
		}
		if blank(rec) {
			sawBlank = true
			continue
		}
		if cols == nil {
			line, _ := cr.FieldPos(0)
			var isHeader bool
			cols, isHeader = headerOf(rec, line, rd.ierr)
			if cols == nil {
				return nil, rd.ierr // the header is wrong: the rows cannot be read
			}
			if isHeader {
				headerLine = line
				continue
			}
		}
		rd.rows++
		if rd.rows > maxRows {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%s: line %d: more than %d rows; split the file: %w", file, line, maxRows, ErrTooLarge)
		}
		rd.row(cr, rec, cols)
	}
	if len(rd.ierr.Rows) > 0 {
		return nil, rd.ierr
	}
	if len(rd.out) == 0 {
		// Said as a row problem, so every client shows a line to look at.
		why := RowError{Line: 1, Reason: "no rows: the file is empty"}
		switch {
		case headerLine > 0:
			why = RowError{Line: headerLine, Field: "header", Reason: "no rows: the file has only a header; add one person a line below it"}
		case sawBlank || maxBytes-lr.left > bomLen:
			why.Reason = "no rows: the file has only blank lines"
		}
		rd.ierr.add(why)
		return nil, rd.ierr
	}
	return rd.out, nil
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

type reader struct {
	file string
	ierr *ImportError
	rows int            // data rows read
	out  []Row          //
	seen map[string]int // email → index in out
}

// row checks one data row and adds it to out, or its problems to ierr.
func (rd *reader) row(cr *csv.Reader, rec []string, c *columns) {
	line, _ := cr.FieldPos(0)
	bad := false
	fail := func(col int, field, value, reason string) {
		bad = true
		rd.ierr.add(RowError{Line: line, Column: col + 1, Field: field, Value: value, Reason: reason})
	}
	var row Row
	raw := cell(rec, c.email)
	e, err := license.NormalizeEmail(raw)
	if err != nil {
		fail(c.email, "email", raw, reason(err))
	}
	row.Email = e
	row.Name = cell(rec, c.name)
	nameCol := c.name
	if row.Name == "" && (c.first >= 0 || c.last >= 0) {
		row.Name = strings.TrimSpace(cell(rec, c.first) + " " + cell(rec, c.last))
		nameCol = max(c.first, c.last)
	}
	if len(row.Name) > MaxNameLen {
		fail(nameCol, "name", row.Name, fmt.Sprintf("is longer than %d characters", MaxNameLen))
	} else if !utf8.ValidString(row.Name) {
		fail(nameCol, "name", row.Name, "is not valid UTF-8; save the file as UTF-8")
	} else if i := strings.IndexFunc(row.Name, badNameRune); i >= 0 {
		fail(nameCol, "name", strings.ToValidUTF8(row.Name, ""), fmt.Sprintf("holds the control character %U at byte %d; names are printable text", []rune(row.Name[i:])[0], i+1))
	}
	rawRole := cell(rec, c.role)
	row.Role, err = license.ParseRole(rawRole)
	if err != nil {
		fail(c.role, "role", rawRole, reason(err))
	}
	for i, v := range rec {
		if v != "" && c.unused(i) {
			fail(i, "", v, fmt.Sprintf("column %d has no header; leave it empty or name it email, name or role", i+1))
		}
	}
	if bad {
		return
	}
	if i, ok := rd.seen[row.Email]; ok {
		prev := &rd.out[i]
		prev.Role = license.Stronger(prev.Role, row.Role)
		if prev.Name == "" {
			prev.Name = row.Name
		}
		return
	}
	row.Line = line
	rd.seen[row.Email] = len(rd.out)
	rd.out = append(rd.out, row)
}

// badNameRune is a control character other than the tab and line breaks
// a quoted cell may hold: a NUL or an escape in a name is corrupt data.
func badNameRune(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func blank(rec []string) bool {
	for _, v := range rec {
		if v != "" {
			return false
		}
	}
	return true
}

// reason is the part of a validation error that is not the field and value,
// which RowError names on its own.
func reason(err error) string {
	var fe *license.FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return err.Error()
}

func syntaxError(pe *csv.ParseError) RowError {
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a " inside a cell that does not start with one; put the cell in double quotes and double each " inside it`
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `a quoted cell is not closed, or has text after its closing "`
	}
	return RowError{Line: pe.StartLine, Reason: fmt.Sprintf("%s (line %d, character %d)", msg, pe.Line, pe.Column)}
}

// errTooLarge is what limitReader returns past the limit; ReadImport turns
// it into an error naming the file.
var errTooLarge = errors.New("over the size limit")

type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One byte more than allowed tells a file of exactly MaxBytes from a larger one.
		var one [1]byte
		if n, _ := io.ReadFull(l.r, one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
