package clever

import (
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

// The documented example is a valid connector entry: it parses through
// the config package, and opens, with its secret from the environment.
func TestExampleDecodes(t *testing.T) {
	var s Settings
	doc := "connectors:\n" + s.Example()
	env := func(k string) (string, bool) {
		if k == "CLEVER_TOKEN" {
			return "district-token-from-env", true
		}
		return "", false
	}
	cfg, err := config.Parse([]byte(doc), "example.yaml", env)
	if err != nil {
		t.Fatalf("example does not parse: %v\n%s", err, doc)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatalf("example does not open: %v", err)
	}
	c, ok := conns["clever"].(*Connector)
	if !ok {
		t.Fatalf("connectors %v: no clever connector", conns)
	}
	if c.s.Token.Value() != "district-token-from-env" || c.s.PageSize != 1000 || c.s.APIVersion != "v3.0" {
		t.Fatalf("example opened as %+v", c.s)
	}
	for _, key := range []string{"base_url", "token", "api_version", "page_size", "retry"} {
		if !strings.Contains(s.Example(), key+":") {
			t.Errorf("example does not document %s", key)
		}
	}
}

// Bad settings are refused offline, each naming its field.
func TestValidate(t *testing.T) {
	cases := []struct {
		s     Settings
		field string
	}{
		{Settings{}, "settings.token"},
		{Settings{Token: "ilc_DEMO_STUDENT_TOKEN"}, "settings.token"},
		{Settings{Token: "t", BaseURL: "api.clever.com"}, "settings.base_url"},
		{Settings{Token: "t", BaseURL: "https://api.clever.com/v3.0"}, "settings.base_url"},
		{Settings{Token: "t", APIVersion: "v2.1"}, "settings.api_version"},
		{Settings{Token: "t", PageSize: 10001}, "settings.page_size"},
		{Settings{Token: "t", PageSize: -1}, "settings.page_size"},
	}
	for _, tc := range cases {
		err := tc.s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: %v, want an error naming %s", tc.s, err, tc.field)
		}
		if err != nil && tc.s.Token != "" && tc.s.Token != "t" && strings.Contains(err.Error(), tc.s.Token.Value()) {
			t.Errorf("error %q shows the token", err)
		}
	}
	if err := (&Settings{Token: "t"}).Validate(); err != nil {
		t.Errorf("minimal settings: %v", err)
	}
}

// FuzzParseUnit: any text either parses to a unit that prints back as
// given, or is refused with ErrBadUnit; never a panic.
func FuzzParseUnit(f *testing.F) {
	for _, s := range []string{"district", "school:5f02", "section:abc", "teacher:x", "course:1", "school:", "school:a/b", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseUnit(s)
		if err != nil {
			return
		}
		if u.String() != strings.TrimSpace(s) {
			t.Fatalf("parseUnit(%q) = %q", s, u)
		}
	})
}
