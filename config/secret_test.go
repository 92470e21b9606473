package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSecretNeverShows(t *testing.T) {
	const value = "hunter2-very-secret"
	s := Secret(value)
	type holder struct {
		Token Secret `yaml:"token" json:"token"`
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "token", s, "any", slog.AnyValue(s))
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "token", s, "holder", holder{s})
	y, _ := yaml.Marshal(holder{s})
	j, _ := json.Marshal(holder{s})
	var fromJSON map[string]string
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	renderings := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s),
		"%x": fmt.Sprintf("%x", s), "%#v": fmt.Sprintf("%#v", s), "%+v struct": fmt.Sprintf("%+v", holder{s}),
		"%#v struct": fmt.Sprintf("%#v", holder{s}), "Sprint": fmt.Sprint(s), "String": s.String(),
		"yaml": string(y), "json": fromJSON["token"], "slog": logs.String(),
	}
	for how, out := range renderings {
		if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) || strings.Contains(string(j), value) {
			t.Errorf("%s shows the secret: %s", how, out)
		}
		if !strings.Contains(out, "<secret>") {
			t.Errorf("%s does not say <secret>: %s", how, out)
		}
	}
	if s.Value() != value {
		t.Error("Value does not return the secret")
	}
	var back holder
	if err := yaml.Unmarshal([]byte("token: abc\n"), &back); err != nil || back.Token.Value() != "abc" {
		t.Errorf("decoding a Secret: %v %q", err, back.Token.Value())
	}
	if fmt.Sprint(Secret("")) != "" {
		t.Error("an empty secret should show as empty")
	}
}

func TestRedacted(t *testing.T) {
	env := envOf(map[string]string{"CANVAS_TOKEN": "tok-AAA", "API_KEY": "key-BBB", "HOST": "lms.example"})
	src := `connectors:
  - name: canvas
    type: static
    settings:
      base_url: https://${HOST}/x?k=${API_KEY}
      token: ${CANVAS_TOKEN}
      client_secret: sec-CCC
      Password: pw-DDD
      private_key: |
        -----BEGIN KEY-----
        pk-EEE
      credentials: {client_email: a@b.org, raw: cred-FFF}
      api_keys: [key-GGG, key-HHH]
      key_file: /etc/rollcall/key.pem
      token_path: /run/token
      anchored_token: &t tok-III
      copy: *t
      empty_token: ""
      page_size: 500
deployments:
  - {name: hs, connector: canvas, license: abc}
`
	c, err := Parse([]byte(src), "r.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	t.Logf("redacted:\n%s", text)
	for _, secret := range []string{"tok-AAA", "key-BBB", "sec-CCC", "pw-DDD", "pk-EEE", "cred-FFF", "key-GGG", "key-HHH", "tok-III"} {
		if strings.Contains(text, secret) {
			t.Errorf("Redacted shows %s:\n%s", secret, text)
		}
	}
	for _, kept := range []string{"/etc/rollcall/key.pem", "/run/token", "page_size: 500", "name: hs", "license: abc", "shutdown_timeout: 30s"} {
		if !strings.Contains(text, kept) {
			t.Errorf("Redacted lost %q:\n%s", kept, text)
		}
	}
	// The settings in the Config itself are untouched: the connector needs them.
	var s struct {
		Token Secret `yaml:"token"`
	}
	if err := c.Connectors[0].Settings.Decode(&s); err != nil || s.Token.Value() != "tok-AAA" {
		t.Errorf("Redacted changed the config: %v %q", err, s.Token.Value())
	}
	// The rendering is valid YAML that parses back as a config.
	if _, err := Parse(out, "r.yaml", noEnv); err != nil {
		t.Errorf("the redacted config does not parse back:\n%v\n%s", err, text)
	}
	// Printing the config or a connector is redacted too.
	for _, printed := range []string{fmt.Sprint(c), fmt.Sprintf("%v", c.Connectors), fmt.Sprintf("%+v", c.Connectors[0])} {
		if strings.Contains(printed, "tok-AAA") || strings.Contains(printed, "sec-CCC") {
			t.Errorf("printing shows a secret: %s", printed)
		}
	}
}

func TestSecretName(t *testing.T) {
	cases := map[string]bool{
		"token": true, "api_key": true, "client_secret": true, "Password": true, "private_key": true,
		"credentials": true, "access_token": true, "db_passwd": true,
		"key_file": false, "token_path": false, "private_key_file": false, "path": false, "base_url": false, "page_size": false,
	}
	for name, want := range cases {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v", name, got, want)
		}
	}
}
