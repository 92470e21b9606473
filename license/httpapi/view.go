package httpapi

import (
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
)

// licenseView is a license as the API shows it, with the caller's access;
// the key's prefix and rotation time only to those who manage the license.
type licenseView struct {
	license.View
	Access string `json:"access,omitempty"` // operator, license or domain
}

func accessName(a auth.Access) string {
	switch a {
	case auth.AccessOperator:
		return "operator"
	case auth.AccessLicense:
		return "license"
	case auth.AccessDomain:
		return "domain"
	}
	return ""
}

func viewOf(l license.License, a auth.Access, now time.Time) licenseView {
	v := licenseView{View: l.View(now), Access: accessName(a)}
	if a < auth.AccessLicense {
		v.KeyPrefix, v.KeyRotated = "", time.Time{}
	}
	return v
}
