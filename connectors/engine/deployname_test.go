package engine

import (
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
)

func TestOUDeploymentName(t *testing.T) {
	long := []string{"/Students/" + strings.Repeat("Lincoln Elementary ", 4) + "/Grade 5", "/Staff/District Office"}
	for _, c := range []struct {
		license string
		ous     []string
		want    string // "" : only check validity
	}{
		{"district", []string{"/Staff", "/Students"}, "district-ou-staff-students"},
		{"district", []string{"/Staff/District Office"}, "district-ou-staff.districtoffice"},
		{"district", long, ""},
	} {
		got := ouDeploymentName(c.license, c.ous)
		if c.want != "" && got != c.want {
			t.Errorf("ouDeploymentName(%q, %q) = %q, want %q", c.license, c.ous, got, c.want)
		}
		d := connectors.Deployment{Name: got, Connector: "district", License: c.license}
		if err := d.Validate(); err != nil {
			t.Errorf("ouDeploymentName(%q, %q) = %q: %v", c.license, c.ous, got, err)
		}
		if again := ouDeploymentName(c.license, c.ous); again != got {
			t.Errorf("name not stable: %q then %q", got, again)
		}
	}
	// Long names are cut, and a hash keeps different OUs apart.
	a := ouDeploymentName("district", long)
	b := ouDeploymentName("district", append([]string{long[0]}, "/Staff/Other"))
	if len(a) > 64 || a == b {
		t.Errorf("long names %q and %q: want ≤ 64 characters and different", a, b)
	}
}
