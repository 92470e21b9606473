package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// app is one invocation: its streams and the global flags. Every command
// is a method on it, so commands share the flags without package state.
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader

	dataDir   string // --data-dir
	dbPath    string // --db
	jsonOut   bool   // --json
	actor     string // --actor
	logFormat string // --log-format
	logLevel  string // --log-level
	server    string // --server: run through a running server's admin API
	tokenFile string // --token-file: the API token for --server

	logger *slog.Logger
	now    func() time.Time
}

// commands lists the top-level commands in the order help shows them. A new
// command (sync, serve, config) is one more line here and a file beside
// this one holding its constructor.
func (a *app) commands() []*cobra.Command {
	return []*cobra.Command{
		a.licenseCmd(),
		a.membersCmd(),
		a.entitlementCmd(),
		a.redeemCmd(),
		a.domainCmd(),
		a.checkCmd(),
		a.serveCmd(),
		a.syncCmd(),
		a.deploymentsCmd(),
		a.runsCmd(),
		a.calendarCmd(),
		a.plansCmd(),
		a.configCmd(),
		a.healthcheckCmd(),
		a.backupCmd(),
		a.migrateCmd(),
		a.deployOUCmd(),
		a.undeployCmd(),
		a.demoCmd(),
		a.lmsCmd(),
		a.ltiCmd(),
		a.tokenCmd(),
		a.scimCmd(),
	}
}

// newRootCmd builds the rollcall command tree writing to the given streams.
func newRootCmd(stdout, stderr io.Writer, stdin io.Reader) *cobra.Command {
	a := &app{
		stdout: stdout,
		stderr: stderr,
		stdin:  stdin,
		now:    func() time.Time { return time.Now().UTC() },
		logger: slog.New(slog.DiscardHandler),
	}
	root := &cobra.Command{
		Use:   "rollcall",
		Short: "Keep software-license membership in step with school rosters",
		Long: `rollcall keeps software-license membership in step with Google Workspace
and the district's LMS. It manages licenses and their members in the
embedded store (add and remove users by email or CSV, filter them, see which
source added whom and when), syncs connector deployments into them on cron
schedules with guards against mass removals, and serves metrics for
operators. 'rollcall demo' runs a whole generated district.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE:          groupRun,
		// Commands must not set their own PersistentPreRunE: cobra runs only
		// the nearest one, and this one sets up logging and the actor.
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			return a.useServer(c)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr(c, "%v", err) })

	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data-dir", "", "directory for Rollcall's files (env ROLLCALL_DATA_DIR; default $XDG_DATA_HOME/rollcall or ~/.local/share/rollcall)")
	pf.StringVar(&a.dbPath, "db", "", "license database file (default <data-dir>/rollcall.db)")
	pf.BoolVar(&a.jsonOut, "json", false, "print JSON for scripts instead of tables")
	pf.StringVar(&a.actor, "actor", "", "who is making the change, recorded in the audit trail (default cli:<OS user>)")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&a.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	pf.StringVar(&a.server, "server", "", "run the command through the admin API of a running 'rollcall serve' at this URL (token from ROLLCALL_TOKEN or --token-file)")
	pf.StringVar(&a.tokenFile, "token-file", "", "file holding the API token for --server, readable only by you (mode 0600)")

	for _, c := range a.commands() {
		root.AddCommand(c)
	}
	return root
}

// setup validates the global flags and builds the logger. It runs before
// every command.
func (a *app) setup() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return &usageError{msg: fmt.Sprintf("--log-level %q: must be debug, info, warn or error", a.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(a.logFormat) {
	case "text":
		a.logger = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.logger = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return &usageError{msg: fmt.Sprintf("--log-format %q: must be text or json", a.logFormat)}
	}
	a.actor = strings.TrimSpace(a.actor)
	if a.actor == "" {
		a.actor = defaultActor()
	}
	return nil
}

// defaultActor names the person at the keyboard for the audit trail.
func defaultActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	if n := os.Getenv("USER"); n != "" {
		return "cli:" + n
	}
	return "cli"
}

// groupRun is the RunE of commands that only hold subcommands: without
// arguments it shows help, with an unknown one it is a usage error (cobra
// would otherwise print help and exit 0).
func groupRun(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return c.Help()
	}
	return usageErr(c, "unknown command %q for %q", args[0], c.CommandPath())
}

// group makes a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs, RunE: groupRun}
	c.AddCommand(subs...)
	return c
}

// exactArgs is cobra.ExactArgs whose error is a usage error naming the
// arguments expected.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usageErr(c, "expects %d argument(s) (%s), got %d", len(names), strings.Join(names, " "), len(args))
		}
		return nil
	}
}
