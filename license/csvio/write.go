package csvio

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// exportHeader is the first row of an export.
var exportHeader = []string{"email", "name", "role", "org_unit", "sources", "added"}

// utf8BOM starts an export so that spreadsheet programs read names such as
// "Zoë" as UTF-8; ReadImport skips it.
const utf8BOM = "\ufeff"

// WriteExport writes members as CSV: a header, then email, name, role,
// org_unit, sources (joined by ";") and added (the UTC date, YYYY-MM-DD).
// Lines end in LF, which every spreadsheet reads, because encoding/csv's
// CRLF mode would drop a carriage return inside a cell. Cells that a spreadsheet would run as a formula are
// neutralised (see the package doc).
func WriteExport(w io.Writer, members iter.Seq[*license.Member]) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	rec := make([]string, len(exportHeader))
	var sources strings.Builder
	for m := range members {
		sources.Reset()
		for i, c := range m.Claims {
			if i > 0 {
				sources.WriteByte(';')
			}
			sources.WriteString(string(c.Source))
		}
		added := ""
		if !m.Added.IsZero() {
			added = m.Added.UTC().Format(time.DateOnly)
		}
		rec[0], rec[1], rec[2] = neutralise(m.Email), neutralise(m.Name), neutralise(string(m.Role))
		rec[3], rec[4], rec[5] = neutralise(m.OrgUnit), neutralise(sources.String()), added
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write export: member %s: %w", m.Email, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

// exportPage is how many members Export reads per store call.
const exportPage = 1000

// Export writes the members of a license that opts selects, in its sort
// order, as WriteExport does. It pages through the store, so a large
// license is never all in memory; opts.Cursor and opts.Limit are its own.
func Export(ctx context.Context, w io.Writer, s license.Store, licenseID string, opts license.ListOptions) error {
	var ferr error
	members := func(yield func(*license.Member) bool) {
		opts.Cursor, opts.Limit = "", exportPage
		for {
			page, err := s.ListMembers(ctx, licenseID, opts)
			if err != nil {
				ferr = fmt.Errorf("export license %s: %w", licenseID, err)
				return
			}
			for i := range page.Members {
				if !yield(&page.Members[i]) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			opts.Cursor = page.Next
		}
	}
	if err := WriteExport(w, members); err != nil {
		return fmt.Errorf("export license %s: %w", licenseID, err)
	}
	return ferr
}
