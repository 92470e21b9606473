package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// maxOrgUnitPath bounds an org unit path in a request.
const maxOrgUnitPath = 1024

// checkOrgUnitPath refuses what cannot be an org unit path: one not
// starting with /, with empty, "." or ".." segments, or with control
// characters. Such a path would otherwise travel to the directory.
func checkOrgUnitPath(ou string) error {
	bad := func(why string) error {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "org_units", Message: fmt.Sprintf("org unit %q: %s", clipValue(ou), why)}
	}
	if len(ou) > maxOrgUnitPath {
		return bad(fmt.Sprintf("is longer than %d characters", maxOrgUnitPath))
	}
	if !strings.HasPrefix(ou, "/") {
		return bad("must be a path starting with /, such as /Students/High")
	}
	if strings.ContainsFunc(ou, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return bad("holds a control character")
	}
	if ou == "/" {
		return nil
	}
	for _, seg := range strings.Split(ou[1:], "/") {
		switch seg {
		case "":
			return bad("has an empty segment (// or a trailing /)")
		case ".", "..":
			return bad(`has a "." or ".." segment; name the org unit by its full path`)
		}
	}
	return nil
}

// orgUnitsFor is a directory's org units as p may see them: operators the
// whole tree; a license admin (of any license) only the units the
// directory says they may read, the rule the deploy check applies; anyone
// else nothing (403). A Syncs that cannot ask the directory shows
// non-operators nothing rather than everything.
func orgUnitsFor(ctx context.Context, az auth.Authorizer, syncs license.Syncs, p auth.Principal, connector string) ([]license.OrgUnitView, error) {
	if az.CanOperate(p) == nil {
		return syncs.OrgUnits(ctx, connector)
	}
	gs, err := az.VisibleGrants(ctx, p)
	if err != nil {
		return nil, err
	}
	managesOne := false
	for _, g := range gs {
		managesOne = managesOne || g.Access >= auth.AccessLicense
	}
	if !managesOne {
		return nil, fmt.Errorf("only license admins and operators list org units: %w", auth.ErrForbidden)
	}
	reader, ok := syncs.(license.OrgUnitReader)
	if !ok {
		return nil, fmt.Errorf("this server cannot ask the directory which org units %s may read: %w", p.Email, auth.ErrForbidden)
	}
	return reader.OrgUnitsFor(ctx, connector, p.Email)
}
