package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

// importMembers applies a CSV upload: ?mode=add (default) or remove, and
// ?validate_only=true to report what would happen without changing
// anything. Any bad row answers 400 invalid_csv listing every bad row, and
// nothing changes. A domain admin's file may only list members of their
// domains.
func (s *server) importMembers(w http.ResponseWriter, r *http.Request) error {
	p, id, g, err := s.grantedLicense(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var remove bool
	switch q.Get("mode") {
	case "", "add":
	case "remove":
		remove = true
	default:
		return &apiError{Status: 400, Code: CodeInvalid, Field: "mode", Message: fmt.Sprintf("mode %q: must be add or remove", q.Get("mode"))}
	}
	validate := false
	if v := q.Get("validate_only"); v != "" {
		if validate, err = strconv.ParseBool(v); err != nil {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "validate_only", Message: "validate_only must be true or false"}
		}
	}
	file := q.Get("file")
	if file == "" {
		file = "upload.csv"
	}
	rows, err := csvio.ReadImport(http.MaxBytesReader(w, r.Body, csvio.MaxBytes), file)
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "the file is larger than %d bytes", csvio.MaxBytes)
		}
		return err
	}
	if g.Access < auth.AccessLicense {
		ie := &csvio.ImportError{File: file}
		for _, row := range rows {
			if !g.Covers(row.Email) {
				ie.Rows = append(ie.Rows, csvio.RowError{Line: row.Line, Field: "email", Value: row.Email, Reason: "is not in a domain you administer on this license"})
			}
		}
		if len(ie.Rows) > 0 {
			// As for an add by email: understood, not allowed.
			return &apiError{Status: 403, Code: CodeForbidden, Message: ie.Error(), Details: ie.Rows}
		}
	}
	now := s.now()
	res, err := csvio.Import(r.Context(), s.store, id, rows, csvio.ImportOptions{
		Remove: remove, DryRun: validate, UploadID: csvio.NewUploadID(now), Actor: actor(p), Now: now,
	})
	return answer(w, res, err)
}

func (s *server) exportMembers(w http.ResponseWriter, r *http.Request) error {
	id, opts, err := s.listOptions(r)
	if err != nil {
		return err
	}
	// Check the license can be read before the first byte goes out: after
	// that an error can no longer become a status code.
	probe := opts
	probe.Limit = 1
	if _, err := s.store.ListMembers(r.Context(), id, probe); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", id+"-members.csv"))
	w.Header().Set("Cache-Control", "no-store")
	if err := csvio.Export(r.Context(), w, s.store, id, opts); err != nil {
		s.log.Warn("export cut short", "license", id, "err", err)
	}
	return nil
}

func (s *server) csvSample(w http.ResponseWriter, r *http.Request) error {
	if _, err := principal(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="rollcall-sample.csv"`)
	_, _ = w.Write([]byte(csvio.Sample()))
	return nil
}
