package schoology

import (
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/config"
	"github.com/rollcall-sync/rollcall/connectors"
)

func TestSettingsValidate(t *testing.T) {
	ok := Settings{ConsumerKey: "k", ConsumerSecret: config.Secret("s")}
	cases := []struct {
		edit func(*Settings)
		want string // field named; "" valid
	}{
		{func(*Settings) {}, ""},
		{func(s *Settings) { s.ConsumerKey = "" }, "settings.consumer_key"},
		{func(s *Settings) { s.ConsumerSecret = "" }, "settings.consumer_secret"},
		{func(s *Settings) { s.BaseURL = "ftp://x" }, "settings.base_url"},
		{func(s *Settings) { s.BaseURL = "https://api.example.org/v1" }, "settings.base_url"},
		{func(s *Settings) { s.SignatureMethod = "RSA-SHA1" }, "settings.signature_method"},
		{func(s *Settings) { s.PageSize = 201 }, "settings.page_size"},
		{func(s *Settings) { s.UserLookupMax = -1 }, "settings.user_lookup_max"},
	}
	for _, tc := range cases {
		s := ok
		tc.edit(&s)
		err := s.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", s, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s\"") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
}

// The documented example decodes through the config package and opens.
func TestExampleDecodes(t *testing.T) {
	doc := "connectors:\n" + (&Settings{}).Example()
	env := map[string]string{"SCHOOLOGY_CONSUMER_KEY": "key", "SCHOOLOGY_CONSUMER_SECRET": "secret"}
	cfg, err := config.Parse([]byte(doc), "rollcall.yaml", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	conns, _, err := connectors.Open(cfg, connectors.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := conns["schoology"].(*Connector)
	if !ok || c.s.ConsumerKey != "key" || c.s.ConsumerSecret.Value() != "secret" || c.s.PageSize != 200 || c.s.Retry.MaxAttempts != 6 {
		t.Fatalf("example opened as %+v", c)
	}
}
