package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// licenseView is a license as --json prints it: never the key hash.
type licenseView = license.View

func viewLicense(l license.License, now time.Time) licenseView { return l.View(now) }

// orEmpty makes a nil slice print as [] in JSON, so scripts need not
// tell null from empty.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writeLicense prints one license as aligned "field: value" lines.
func writeLicense(w io.Writer, l license.License, now time.Time) error {
	t := newTable(w)
	t.row("ID:", l.ID)
	t.row("Name:", l.Name)
	t.row("Type:", string(l.Type))
	t.row("Seats:", fmt.Sprintf("%d (%d used, %d free)", l.Seats, l.Used, l.Free()))
	t.row("Created:", fmtDate(l.Created, "-"))
	exp := fmtDate(l.Expires, "never")
	if l.Expired(now) {
		exp += " (expired)"
	}
	t.row("Expires:", exp)
	t.row("Domains:", strings.Join(l.Domains, ", "))
	t.row("Admins:", strings.Join(l.Admins, ", "))
	t.row("Features:", formatFeatures(l.Features))
	key := ""
	if l.Key.Prefix != "" {
		key = l.Key.Prefix + "… (set " + fmtDate(l.Key.Rotated, "-") + ")"
	}
	t.row("Key:", key)
	t.row("LMS:", formatLMS(l.LMS))
	return t.flush()
}

func formatFeatures(f map[string]bool) string {
	parts := make([]string, 0, len(f))
	for _, name := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, name+"="+onOff(f[name]))
	}
	return strings.Join(parts, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func formatLMS(m license.LMS) string {
	if m.Vendor == "" && m.BaseURL == "" {
		return ""
	}
	s := strings.TrimSpace(m.Vendor + " " + m.BaseURL)
	status := string(m.Status)
	if status == "" {
		status = "not linked"
	}
	details := []string{status}
	if !m.LastSync.IsZero() {
		details = append(details, "last sync "+fmtTime(m.LastSync))
	}
	if m.LastError != "" {
		details = append(details, "last error: "+m.LastError)
	}
	return s + " (" + strings.Join(details, "; ") + ")"
}
