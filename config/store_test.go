package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestStoreDriver(t *testing.T) {
	const pw = "hunter2-not-shown"
	env := envOf(map[string]string{"DATABASE_URL": "postgres://rollcall:" + pw + "@db.internal:5432/rollcall?sslmode=require"})
	good := []struct {
		src, driver, url string
	}{
		{"connectors: []\n", DriverBolt, ""},
		{"store: {driver: bolt, path: x.db}\n", DriverBolt, ""},
		{"store: {driver: Postgres, url: \"${DATABASE_URL}\"}\n", DriverPostgres, "postgres://rollcall:" + pw + "@db.internal:5432/rollcall?sslmode=require"},
		{"store: {driver: postgresql, url: \"postgresql://r@127.0.0.1/rc\"}\n", DriverPostgres, "postgresql://r@127.0.0.1/rc"},
	}
	for _, g := range good {
		c, err := Parse([]byte(g.src), "/etc/rollcall/rollcall.yaml", env)
		if err != nil {
			t.Fatalf("Parse(%q): %v", g.src, err)
		}
		if c.Store.Driver != g.driver || c.Store.URL.Value() != g.url {
			t.Errorf("Parse(%q): driver %q url %q, want %q %q", g.src, c.Store.Driver, c.Store.URL.Value(), g.driver, g.url)
		}
		if strings.Contains(fmt.Sprintf("%v %+v", c.Store, c.Store), pw) {
			t.Errorf("Parse(%q): the store settings print the password", g.src)
		}
	}
	bad := []struct {
		src, want string
	}{
		{"store:\n  driver: mysql\n", `rollcall.yaml:2: store.driver: "mysql" must be bolt or postgres`},
		{"store:\n  driver: postgres\n", "rollcall.yaml:2: store.url: is required with driver postgres"},
		{"store:\n  driver: postgres\n  url: mysql://x@y/z\n", `rollcall.yaml:3: store.url: scheme "mysql"`},
		{"store:\n  driver: postgres\n  url: postgres:///rollcall\n", "rollcall.yaml:3: store.url: names no host"},
		{"store:\n  path: x.db\n  url: \"${DATABASE_URL}\"\n", "rollcall.yaml:3: store.url: is only for driver postgres"},
	}
	for _, b := range bad {
		_, err := Parse([]byte(b.src), "/etc/rollcall/rollcall.yaml", env)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", b.src, err, b.want)
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("Parse(%q): the error shows the password: %v", b.src, err)
		}
	}
}
