package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// LinkLMSRequest links a license to its primary LMS.
type LinkLMSRequest struct {
	License   string
	Vendor    string // canvas, oneroster, google-classroom, ...
	Connector string // the connector instance reading that LMS
	Units     []string
	Roles     map[string]license.Role
	Name      string // deployment name; empty: <license>-lms
	By        string
}

// BaseURLer is implemented by connectors that know where their vendor is,
// for the license's LMS details.
type BaseURLer interface{ BaseURL() string }

// LinkLMS records the license's primary LMS, tests the link (the
// connector's Check, then its check of the selection), creates the
// deployment that makes the LMS's people members, and runs its first sync.
// A failed test is recorded on the license (status failing, the vendor's
// message) and nothing else is created.
func (e *Engine) LinkLMS(ctx context.Context, req LinkLMSRequest) (connectors.Deployment, syncstate.Run, error) {
	conn, ok := e.conns[req.Connector]
	if !ok {
		return connectors.Deployment{}, syncstate.Run{}, fmt.Errorf("link LMS: connector %q is not configured", req.Connector)
	}
	vendor := strings.ToLower(strings.TrimSpace(req.Vendor))
	if vendor == "" {
		vendor = e.types[req.Connector]
	}
	if _, err := e.store.GetLicense(ctx, req.License); err != nil {
		return connectors.Deployment{}, syncstate.Run{}, fmt.Errorf("link LMS: license %q: %w", req.License, err)
	}
	lms := license.LMS{Vendor: vendor, Connector: req.Connector, Status: license.LinkOK}
	if b, ok := conn.(BaseURLer); ok {
		lms.BaseURL = b.BaseURL()
	}
	name := req.Name
	if name == "" {
		name = req.License + "-lms"
	}
	d := connectors.Deployment{
		Name: name, Connector: req.Connector, License: req.License,
		Selection:     connectors.Selection{Units: req.Units, Roles: req.Roles, DefaultRole: license.RoleStudent},
		Schedule:      e.connectorSchedule(req.Connector),
		DeletionLimit: connectors.DefaultDeletionLimit,
		CreatedBy:     req.By, Created: e.now(), RunTime: true,
	}
	// The link test is the vendor's own check and the selection's: a
	// course the vendor answers 404 for, or a token that cannot see
	// emails, fails the link as surely as a refused token does.
	var checkErr error
	if c, ok := conn.(connectors.Checker); ok {
		checkErr = c.Check(ctx)
	}
	if v, ok := conn.(connectors.SelectionValidator); ok && checkErr == nil {
		checkErr = v.ValidateSelection(ctx, d.Selection)
	}
	if checkErr != nil {
		lms.Status, lms.LastError = license.LinkFailing, checkErr.Error()
	}
	if _, err := e.store.UpdateLicense(ctx, req.License, req.By, func(l *license.License) error {
		l.LMS = lms
		return nil
	}); err != nil {
		return connectors.Deployment{}, syncstate.Run{}, fmt.Errorf("link LMS: %w", err)
	}
	if checkErr != nil {
		return connectors.Deployment{}, syncstate.Run{}, fmt.Errorf("link LMS of license %s: the test call to %s failed: %w", req.License, req.Connector, checkErr)
	}
	return e.addAndSync(ctx, d)
}
