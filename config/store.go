package config

import (
	"net/url"
	"strings"
)

// Store drivers.
const (
	DriverBolt     = "bolt"
	DriverPostgres = "postgres"
)

// storeDriver defaults and checks store.driver and store.url: bolt needs
// no URL and takes none; postgres needs a postgres:// URL with a host.
// The URL is a Secret (it carries the password): messages never show it.
func (v validator) storeDriver() {
	st := &v.c.Store
	st.Driver = strings.ToLower(strings.TrimSpace(st.Driver))
	switch st.Driver {
	case "", DriverBolt:
		st.Driver = DriverBolt
		if st.URL != "" {
			v.fail("store.url", "store", "is only for driver postgres (driver is bolt, the default)")
		}
	case DriverPostgres, "postgresql", "pgx":
		st.Driver = DriverPostgres
		raw := strings.TrimSpace(st.URL.Value())
		if raw == "" {
			v.fail("store.url", "store", "is required with driver postgres (postgres://user:password@host:5432/rollcall; use ${DATABASE_URL} to keep the password out of this file)")
			return
		}
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			v.fail("store.url", "store", "is not a URL (postgres://user:password@host:5432/rollcall)")
		case u.Scheme != "postgres" && u.Scheme != "postgresql":
			v.fail("store.url", "store", "scheme %q: must be postgres:// or postgresql://", u.Scheme)
		case u.Host == "" && u.Query().Get("host") == "":
			v.fail("store.url", "store", "names no host (postgres://user:password@host:5432/rollcall)")
		}
	default:
		v.fail("store.driver", "store", "%q must be bolt or postgres", st.Driver)
	}
}
