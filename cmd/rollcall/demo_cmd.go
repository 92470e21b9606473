package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// The demo's licenses: one deployed to org units, one linked to the LMS.
const (
	demoLicense    = "district"
	demoLMSLicense = "course-pack"
)

func (a *app) demoCmd() *cobra.Command {
	var listen, lmsVendor string
	var people, churn int
	var interval time.Duration
	var seed int64
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run Rollcall on a generated school district served by the built-in Google Directory fake",
		Long: `demo needs nothing but this binary. It generates a school district of
--people people (schools, grades, staff, suspended accounts, several
Thomases), serves it on loopback from Rollcall's faithful fake of the Google
Admin Directory API, creates a district license, deploys it to the
/Students and /Staff org units, runs the first sync, and keeps syncing
every --interval while the fakes change up to --churn people each (the
district and the LMS, each interval: new students, moves, leavers). On its
first run it writes a generated school year of sync history (labelled as
demo data in the audit trail) so the usage charts have something to
show. State lives in <data-dir>/demo.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return a.demo(ctx, cmd, demoOptions{listen: listen, people: people, churn: churn, interval: interval, seed: seed, lms: lmsVendor})
		},
	}
	f := c.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve HTTP on")
	f.IntVar(&people, "people", 3000, "size of the generated district")
	f.IntVar(&churn, "churn", 5, "people each fake (the district and the LMS) changes each interval, at most")
	f.DurationVar(&interval, "interval", 30*time.Second, "sync schedule and churn interval")
	f.Int64Var(&seed, "seed", 1, "seed of the generated district")
	f.StringVar(&lmsVendor, "lms", "canvas", "LMS vendor whose built-in fake serves the demo's LMS ("+demoLMSNames()+")")
	return c
}

type demoOptions struct {
	listen        string
	people, churn int
	interval      time.Duration
	seed          int64
	lms           string
}

func (a *app) demo(ctx context.Context, cmd *cobra.Command, o demoOptions) error {
	if o.people < 50 || o.people > 200000 {
		return usageErr(cmd, "--people %d: must be between 50 and 200000", o.people)
	}
	startLMS, ok := demoLMSVendors[o.lms]
	if !ok {
		return usageErr(cmd, "--lms %q: must be one of %s", o.lms, demoLMSNames())
	}
	if o.interval < time.Second {
		return usageErr(cmd, "--interval %s: must be at least 1s", o.interval)
	}
	base, err := a.dataDirectory()
	if err != nil {
		return err
	}
	dir := filepath.Join(base, "demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The demo's files live in its own folder, never in the real store.
	a.dataDir, a.dbPath = dir, ""
	// A cold start takes a while (a district to generate, two fakes, a
	// year of history, the first syncs): say each step as it starts.
	say := func(format string, args ...any) { fmt.Fprintf(a.stdout, "demo: "+format+"\n", args...) }
	began := time.Now()

	say("generating a school district of %d people (seed %d)…", o.people, o.seed)
	district := fake.Generate(o.seed, o.people)
	srv := fake.New(fake.Options{District: district})
	defer srv.Close()
	say("district %s: %d accounts in %d org units, served by the Google Directory fake at %s", district.Domain, len(district.Users), len(district.OrgUnits), srv.Endpoint())
	say("starting the %s LMS fake…", o.lms)
	lms, err := startLMS(o.seed, o.people)
	if err != nil {
		return fmt.Errorf("demo: start the %s fake: %w", o.lms, err)
	}
	defer lms.Close()
	say("%s LMS fake at %s", lms.Vendor, lms.URL)
	// The LMS secrets reach the config through the environment, as a real
	// deployment's secrets should; the file names only the variables.
	for k, v := range lms.Env {
		if err := os.Setenv(k, v); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	key, err := srv.NewServiceAccount()
	if err != nil {
		return fmt.Errorf("demo: service account: %w", err)
	}
	// The key is generated for this run and only the fake trusts it; it
	// is still a key, so it is written as one.
	keyFile := filepath.Join(dir, "google-service-account.json")
	if err := writeAtomically(keyFile, func(w io.Writer) error { _, err := w.Write(key); return err }); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cfgFile := filepath.Join(dir, "rollcall.yaml")
	cfgText := fmt.Sprintf(`# Written by 'rollcall demo': a Google Directory connector on the built-in fake.
store: {path: rollcall.db}
sync_state: {path: syncstate.db}
log: {format: text, level: info}
sync: {jitter: 0s, shutdown_timeout: 20s, history: 1000}
connectors:
  - name: district
    type: google-directory
    schedule: "@every %s"
    settings:
      credentials_file: %s
      subject: %s
      endpoint: %s
      token_url: %s
  - name: lms
    type: %s
    schedule: "@every %s"
    settings:
%s`, o.interval, keyFile, district.SuperAdmin, srv.Endpoint(), srv.TokenURL(), lms.Vendor, o.interval, lms.settingsYAML())
	if err := writeAtomically(cfgFile, func(w io.Writer) error { _, err := w.Write([]byte(cfgText)); return err }); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return err
	}
	if err := a.configureLogging(cmd, cfg.Log.Format, cfg.Log.Level); err != nil {
		return err
	}
	say("opening the demo's state in %s", dir)
	rt, err := a.openRuntimeFrom(cfg)
	if err != nil {
		return err
	}
	defer rt.Close()

	now := time.Now().UTC()
	if err := demoLicenseSetup(ctx, rt, district, o.people, demoHistoryStart(now).AddDate(0, 0, -1)); err != nil {
		return err
	}
	deps, err := rt.engine.Deployments(ctx)
	if err != nil {
		return err
	}
	historyNote := "kept from an earlier run"
	if len(deps) == 0 {
		req := engine.DeployOURequest{
			License: demoLicense, Connector: "district", By: district.SuperAdmin,
			OrgUnits: map[string]license.Role{"/Students": license.RoleStudent, "/Staff": license.RoleTeacher},
		}
		say("reading /Students and /Staff from the directory to plan the first sync…")
		_, plan, err := rt.engine.PlanDeployOU(ctx, req)
		if err != nil {
			return fmt.Errorf("demo: plan the deployment to /Students and /Staff: %w", err)
		}
		say("writing a generated school year of sync history for %d people (demo data, not real syncs)…", len(plan.Adds))
		hist, err := demoHistory(ctx, rt.store, rt.state, "district", plan, district.Domain, now, o.seed)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		historyNote = demoHistoryNote(hist, now)
		say("history: %s", historyNote)
		say("first sync of /Students and /Staff into license %q…", demoLicense)
		_, run, err := rt.engine.DeployOU(ctx, req)
		if err != nil {
			return fmt.Errorf("demo: deploy the license to /Students and /Staff: %w", err)
		}
		say("first sync: %s, %d people in the directory, %d added, %d updated, %d removed", run.Result, run.Counts.Desired, run.Counts.Added, run.Counts.Updated, run.Counts.Removed)
		say("linking license %q to the %s LMS and syncing it…", demoLMSLicense, lms.Vendor)
		_, run, err = rt.engine.LinkLMS(ctx, engine.LinkLMSRequest{License: demoLMSLicense, Vendor: lms.Vendor, Connector: "lms",
			Units: lms.Units, By: district.SuperAdmin})
		if err != nil {
			return fmt.Errorf("demo: link license %s to the %s fake: %w", demoLMSLicense, lms.Vendor, err)
		}
		say("first LMS sync: %s, %d added", run.Result, run.Counts.Added)
	}
	say("ready after %s", time.Since(began).Round(100*time.Millisecond))
	want := len(srv.ActiveIn("/Students", true)) + len(srv.ActiveIn("/Staff", true))
	// A sign-in token for the district's IT director, who administers both
	// licenses and is the Google super admin: everything is theirs to try.
	token, _, err := rt.auth.CreateToken(ctx, district.SuperAdmin, auth.RoleOperator, 7*24*time.Hour, "rollcall demo")
	if err != nil {
		return fmt.Errorf("demo: sign-in token: %w", err)
	}

	go demoChurn(ctx, o, a, func(rng *rand.Rand) (int, int) { return len(srv.Churn(rng, o.churn)), lms.Churn(rng, o.churn) })
	return a.runServer(ctx, rt, o.listen, func(addr string) {
		fmt.Fprintf(a.stdout, `Rollcall demo district is running.
  district:  %s, %d people active in /Students and /Staff (license %q)
  LMS:       %s at %s, linked to license %q
  dashboard: http://%s/
  sign-in token: %s
  metrics:   http://%s/metrics
  health:    http://%s/healthz
  state:     %s
  admin:     %s (license admin and Google super admin)
  history:   %s
Syncs run every %s while the fakes change people: up to %d in the district and up to %d in the LMS each time.
Stop with Ctrl-C.
`, district.Domain, want, demoLicense, lms.Vendor, lms.URL, demoLMSLicense, addr, token, addr, addr, dir, district.SuperAdmin, historyNote, o.interval, o.churn, o.churn)
	})
}

// demoLicenseSetup creates the district license and the LMS-linked
// course-pack license on the first run.
func demoLicenseSetup(ctx context.Context, rt *runtime, d *fake.District, people int, created time.Time) error {
	if _, err := rt.store.GetLicense(ctx, demoLicense); err == nil {
		return nil
	} else if !errors.Is(err, license.ErrNotFound) {
		return err
	}
	if _, err := rt.store.CreateLicense(ctx, license.License{
		ID: demoLMSLicense, Name: "Science course pack (LMS courses)", Type: license.TypeSchool,
		Seats: people, Admins: []string{d.SuperAdmin}, Features: map[string]bool{"labs": true},
	}); err != nil {
		return err
	}
	_, err := rt.store.CreateLicense(ctx, license.License{
		ID:       demoLicense,
		Name:     "Demo District — all schools",
		Type:     license.TypeDistrict,
		Created:  created, // its generated history starts the next day
		Seats:    people + people/10,
		Expires:  time.Now().AddDate(1, 0, 0).Truncate(24 * time.Hour),
		Domains:  []string{d.Domain},
		Admins:   []string{d.SuperAdmin},
		Features: map[string]bool{"reports": true, "lms-grade-sync": true, "ai-assistant": false},
	})
	return err
}

// demoChurn changes a few people of the fake district and LMS each
// interval, so every sync has something to do.
func demoChurn(ctx context.Context, o demoOptions, a *app, churn func(*rand.Rand) (district, lms int)) {
	rng := rand.New(rand.NewPCG(uint64(o.seed), uint64(time.Now().UnixNano())))
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			district, lms := churn(rng)
			a.logger.Info("demo fakes changed", "district", district, "lms", lms, "per_fake_limit", o.churn)
		}
	}
}
