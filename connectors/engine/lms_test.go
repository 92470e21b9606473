package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/static"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

func TestLinkLMSRecordsStatusAndSyncs(t *testing.T) {
	f := newFixture(t, 100)
	roster := filepath.Join(t.TempDir(), "lms.csv")
	s := &static.Config{Path: roster}
	conn, err := s.Open(connectors.OpenOptions{Name: "lms"})
	if err != nil {
		t.Fatal(err)
	}
	f.engine.conns["lms"] = conn
	ctx := context.Background()

	// The roster file is missing: the test call fails, is recorded, and
	// nothing is created.
	if _, _, err := f.engine.LinkLMS(ctx, LinkLMSRequest{License: "hs", Vendor: "static", Connector: "lms", By: "admin@district.org"}); err == nil {
		t.Fatal("linking to an unreadable source succeeded")
	}
	l, _ := f.store.GetLicense(ctx, "hs")
	if l.LMS.Status != license.LinkFailing || !strings.Contains(l.LMS.LastError, "lms.csv") {
		t.Fatalf("LMS after a failed link = %+v; want failing with the reason", l.LMS)
	}
	if deps, _ := f.engine.Deployments(ctx); len(deps) != 1 {
		t.Fatalf("a failed link created a deployment: %+v", deps)
	}

	if err := os.WriteFile(roster, []byte("email,name,role\nt1@school.example.org,T One,teacher\ns1@school.example.org,S One,student\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, run, err := f.engine.LinkLMS(ctx, LinkLMSRequest{License: "hs", Vendor: "static", Connector: "lms", By: "admin@district.org"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Result != syncstate.ResultSuccess || run.Counts.Added != 2 || d.Name != "hs-lms" {
		t.Fatalf("first LMS sync = %+v (deployment %s)", run, d.Name)
	}
	l, _ = f.store.GetLicense(ctx, "hs")
	if l.LMS.Status != license.LinkOK || l.LMS.LastError != "" || l.LMS.LastSync.IsZero() || l.LMS.Connector != "lms" {
		t.Fatalf("LMS after linking = %+v; want linked with a last sync", l.LMS)
	}

	// The source breaks: the next sync marks the link failing.
	if err := os.WriteFile(roster, []byte("email,name,role\nnot-an-email-row,,wizard\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.Run(ctx, d.Name, TriggerManual); err == nil {
		t.Fatal("a sync of a broken roster succeeded")
	}
	l, _ = f.store.GetLicense(ctx, "hs")
	if l.LMS.Status != license.LinkFailing || l.LMS.LastError == "" {
		t.Fatalf("LMS after a failed sync = %+v; want failing with the error", l.LMS)
	}
}
