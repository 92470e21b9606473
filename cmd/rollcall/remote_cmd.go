package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// remoteRun is a command's body under --server: it reads the command's
// own flags by name, calls the API through rc and prints with the same
// functions the local command uses, so both print the same.
type remoteRun func(ctx context.Context, a *app, rc *remoteClient, c *cobra.Command, args []string) error

// remoteCommands maps a command's path (without "rollcall ") to its
// remote body. A command that is not here and not in remoteAsIs has no
// API route and refuses --server.
func remoteCommands() map[string]remoteRun {
	return map[string]remoteRun{
		"license list":       remoteLicenseList,
		"license show":       remoteLicenseShow,
		"license create":     remoteLicenseCreate,
		"license update":     remoteLicenseUpdate,
		"license delete":     remoteLicenseDelete,
		"license rotate-key": remoteLicenseRotateKey,

		"members list":    remoteMembersList,
		"members add":     remoteMembersAdd,
		"members remove":  remoteMembersRemove,
		"members import":  remoteMembersImport,
		"members export":  remoteMembersExport,
		"members history": remoteMembersHistory,

		"entitlement":         remoteEntitlement,
		"redeem":              remoteRedeem,
		"domain admin add":    remoteDomainAdminSet(true),
		"domain admin remove": remoteDomainAdminSet(false),
		"domain admins":       remoteDomainAdmins,

		"sync":          remoteSync,
		"runs":          remoteRuns,
		"deployments":   remoteDeployments,
		"plans list":    remotePlansList,
		"plans show":    remotePlansShow,
		"plans approve": remotePlansApprove,
		"plans reject":  remotePlansReject,
		"undeploy":      remoteUndeploy,

		"token list":   remoteTokenList,
		"token create": remoteTokenCreate,
		"token revoke": remoteTokenRevoke,
	}
}

// remoteAsIs are commands that open no state file: under --server they
// run as they are.
var remoteAsIs = []string{"members sample-csv", "config", "calendar", "healthcheck", "lti keygen", "help", "completion", "__complete", "__completeNoDesc"}

// useServer, run before every command, swaps the command's body for its
// remote one when --server is given, or refuses a command without an API
// route. Cobra reads RunE after the pre-run hooks, so the swap holds.
func (a *app) useServer(c *cobra.Command) error {
	if a.server == "" {
		if a.tokenFile != "" {
			return usageErr(c, "--token-file is for --server; give --server URL too")
		}
		return nil
	}
	path := strings.TrimPrefix(c.CommandPath(), c.Root().Name()+" ")
	if c == c.Root() || c.HasSubCommands() {
		return nil // help for a group
	}
	for _, p := range remoteAsIs {
		if path == p || strings.HasPrefix(path, p+" ") {
			return nil
		}
	}
	run, ok := remoteCommands()[path]
	if !ok {
		return usageErr(c, "%s needs direct access to the files; it has no API route, so it cannot run with --server (run it on the server's machine, with the server stopped if it writes)", path)
	}
	token, err := loadToken(a.tokenFile)
	if err != nil {
		return err
	}
	rc, err := newRemoteClient(a.server, token)
	if err != nil {
		return err
	}
	c.RunE = func(c *cobra.Command, args []string) error {
		return run(c.Context(), a, rc, c, args)
	}
	return nil
}

// licenseOf turns the API's view of a license back into the license the
// local printing code shows. What the view leaves out (the key's hash)
// no printer shows.
func licenseOf(v license.View) license.License {
	l := license.License{
		ID: v.ID, Name: v.Name, Type: v.Type, Seats: v.Seats, Used: v.Used,
		Created: v.Created, Expires: v.Expires, Domains: v.Domains, Admins: v.Admins,
		Features: v.Features, LMS: v.LMS,
	}
	l.Key.Prefix, l.Key.Rotated = v.KeyPrefix, v.KeyRotated
	if len(l.Features) == 0 {
		l.Features = nil
	}
	return l
}

// runOf turns the API's view of a run back into the sync state's record
// the local printing code shows. The view has no connector, snapshot hash,
// or leaving/restored counts: those stay empty.
func runOf(v license.RunView) syncstate.Run {
	var updated time.Time
	if !v.Progress.IsZero() {
		updated = v.Progress
	}
	return syncstate.Run{
		ID: v.ID, Deployment: v.Deployment, Trigger: v.Trigger, Started: v.Started, Ended: v.Ended,
		Result: syncstate.Result(v.Result), Error: v.Error, PlanID: v.PlanID, Guard: v.Guard, Reason: v.Reason, Mode: v.Mode,
		Updated: updated,
		Counts: syncstate.Counts{Desired: v.Desired, Added: v.Added, Updated: v.Updated, Removed: v.Removed,
			Overflow: v.Overflow, Skipped: v.Skipped, HeldRemovals: v.HeldRemovals, HeldUpdates: v.HeldUpdates, Refused: v.Refused},
	}
}

// serverHint ends every "is locked" error: the usual holder of the lock is
// a running server, and most commands can go through its admin API.
const serverHint = "\nA running 'rollcall serve' holds the files; send the command through its admin API instead:\n" +
	"rollcall --server https://HOST:PORT <command>, with an API token in ROLLCALL_TOKEN or --token-file FILE (mode 0600)"
