package static

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rollcall-sync/rollcall/config"
)

// row is one person as the file states them, trimmed. Its strings point
// into the reader's buffer for the row and stay valid after the next row.
type row struct {
	line                                   int
	email, name, role, orgUnit, externalID string
}

// Columns of the file.
const (
	colEmail = iota
	colName
	colRole
	colOrgUnit
	colExternalID
	numCols
)

var columnNames = [numCols]string{"email", "name", "role", "org_unit", "external_id"}

// checkEvery is how many rows pass between context checks in a scan.
const checkEvery = 4096

// scan calls fn for every row of the file, in order, streaming a CSV file
// and parsing a YAML file whole. With headerOnly it stops once the header
// (CSV) or the document (YAML) is known to be well formed.
func (c *Connector) scan(ctx context.Context, headerOnly bool, fn func(*row) error) error {
	if c.format == "yaml" {
		return c.scanYAML(ctx, headerOnly, fn)
	}
	return c.scanCSV(ctx, headerOnly, fn)
}

func (c *Connector) fileError(line int, field string, format string, args ...any) error {
	return &config.Error{File: c.path, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func (c *Connector) scanCSV(ctx context.Context, headerOnly bool, fn func(*row) error) error {
	f, err := os.Open(c.path)
	if err != nil {
		return fmt.Errorf("static connector %s: %w", c.name, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM)) // spreadsheet exports often start with one
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	r.Comment = '#'

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return c.fileError(1, "header", "the file is empty: expected a header line naming the columns (%s)", strings.Join(columnNames[:], ", "))
	}
	if err != nil {
		return c.csvError(err, "header")
	}
	headerLine, _ := r.FieldPos(0)
	var idx [numCols]int
	for i := range idx {
		idx[i] = -1
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		col := -1
		for j, n := range columnNames {
			if n == name {
				col = j
			}
		}
		switch {
		case col < 0:
			return c.fileError(headerLine, "header", "column %d %q is not one of %s", i+1, h, strings.Join(columnNames[:], ", "))
		case idx[col] >= 0:
			return c.fileError(headerLine, "header", "column %q appears twice (columns %d and %d)", name, idx[col]+1, i+1)
		}
		idx[col] = i
	}
	if idx[colEmail] < 0 {
		return c.fileError(headerLine, "header", "no email column (found: %s); the header must name the columns, email required", strings.Join(header, ", "))
	}
	if headerOnly {
		return nil
	}
	r.FieldsPerRecord = len(header)

	var rw row
	for n := 1; ; n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return c.csvError(err, "")
		}
		get := func(col int) string {
			if idx[col] < 0 {
				return ""
			}
			return strings.TrimSpace(rec[idx[col]])
		}
		rw.line, _ = r.FieldPos(0)
		rw.email, rw.name, rw.role = get(colEmail), get(colName), get(colRole)
		rw.orgUnit, rw.externalID = get(colOrgUnit), get(colExternalID)
		if err := c.checkRow(&rw); err != nil {
			return err
		}
		if err := fn(&rw); err != nil {
			return err
		}
	}
}

func (c *Connector) csvError(err error, field string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return &config.Error{File: c.path, Line: pe.Line, Field: field,
				Err: fmt.Errorf("%w: the row does not have one value per column of the header", pe.Err)}
		}
		return &config.Error{File: c.path, Line: pe.Line, Field: field, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
	}
	return fmt.Errorf("static connector %s: reading %s: %w", c.name, c.path, err)
}

// checkRow holds what every row must satisfy, whichever deployment reads it.
func (c *Connector) checkRow(r *row) error {
	if r.email == "" {
		return c.fileError(r.line, "email", "is empty")
	}
	if r.orgUnit != "" && r.orgUnit[0] != '/' {
		return c.fileError(r.line, "org_unit", "%q must be a path starting with /, e.g. /Students/High", r.orgUnit)
	}
	return nil
}

// yamlPerson is one entry of a YAML roster.
type yamlPerson struct {
	Email      string `yaml:"email"`
	Name       string `yaml:"name"`
	Role       string `yaml:"role"`
	OrgUnit    string `yaml:"org_unit"`
	ExternalID string `yaml:"external_id"`
}

func (c *Connector) scanYAML(ctx context.Context, headerOnly bool, fn func(*row) error) error {
	data, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("static connector %s: %w", c.name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &config.Error{File: c.path, Err: err}
	}
	if len(doc.Content) == 0 {
		return c.fileError(1, "", "the file is empty: expected a list of people (- email: ...)")
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return c.fileError(root.Line, "", "expected a list of people (- email: ...), got something else")
	}
	if headerOnly {
		return nil
	}
	var rw row
	for i, item := range root.Content {
		if i%checkEvery == checkEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var p yamlPerson
		if err := config.DecodeStrictAt(item, c.path, fmt.Sprintf("[%d]", i), &p); err != nil {
			return err
		}
		rw = row{line: item.Line, email: strings.TrimSpace(p.Email), name: strings.TrimSpace(p.Name), role: strings.TrimSpace(p.Role),
			orgUnit: strings.TrimSpace(p.OrgUnit), externalID: strings.TrimSpace(p.ExternalID)}
		if err := c.checkRow(&rw); err != nil {
			return err
		}
		if err := fn(&rw); err != nil {
			return err
		}
	}
	return nil
}
