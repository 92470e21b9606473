package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// ErrCredentials marks a bind the directory refused: retrying cannot help.
var ErrCredentials = errors.New("the directory refused the service account's credentials")

func tlsConfig(s Settings) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: s.ServerName, MinVersion: tls.VersionTLS12}
	if cfg.ServerName == "" {
		cfg.ServerName = hostOf(s.URL)
	}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("settings.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("settings.ca_file: %s holds no PEM certificate", s.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// session is one bound connection, closed when its context ends so that
// a blocked read returns at once.
type session struct {
	conn *ldap.Conn
	stop func() bool
	gen  int
}

func (s *session) Close() {
	s.stop()
	s.conn.Close()
}

// open dials, upgrades with StartTLS when asked, and binds.
func (c *Connector) open(ctx context.Context) (*session, error) {
	dialer := &net.Dialer{Timeout: c.set.Timeout}
	u, _ := url.Parse(c.set.URL)
	opts := []ldap.DialOpt{ldap.DialWithDialer(dialer)}
	if u.Scheme == "ldaps" {
		opts = append(opts, ldap.DialWithTLSConfig(c.tls))
	}
	conn, err := ldap.DialURL(c.set.URL, opts...)
	if err != nil {
		return nil, err
	}
	conn.SetTimeout(c.set.Timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	s := &session{conn: conn, stop: stop}
	if c.set.StartTLS {
		if err := conn.StartTLS(c.tls.Clone()); err != nil {
			s.Close()
			return nil, fmt.Errorf("StartTLS: %w", err)
		}
	}
	if err := conn.Bind(c.set.BindDN, c.set.BindPassword.Value()); err != nil {
		s.Close()
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return nil, fmt.Errorf("bind as %s: %w: %w", c.set.BindDN, ErrCredentials, err)
		}
		return nil, fmt.Errorf("bind as %s: %w", c.set.BindDN, err)
	}
	return s, nil
}

// classify says whether err is worth another attempt, why, and whether
// the connection is still usable for it.
func classify(err error) (retry bool, reason string, reconnect bool) {
	var le *ldap.Error
	if !errors.As(err, &le) {
		// Dial failures and cut connections.
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) {
			return true, metrics.ReasonNetwork, true
		}
		return false, "", false
	}
	switch le.ResultCode {
	case ldap.LDAPResultBusy:
		return true, metrics.ReasonRateLimit, false
	case ldap.LDAPResultUnavailable:
		return true, metrics.ReasonServerError, false
	case ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultConnectError, ldap.LDAPResultTimeout:
		return true, metrics.ReasonNetwork, true
	}
	return false, "", false
}

// statusOf is the HTTP status an LDAP outcome is closest to, so that the
// upstream request metric reads the same for every connector.
func statusOf(err error) int {
	if err == nil {
		return 200
	}
	var le *ldap.Error
	if !errors.As(err, &le) {
		return 0
	}
	switch le.ResultCode {
	case ldap.LDAPResultBusy, ldap.LDAPResultAdminLimitExceeded:
		return 429
	case ldap.LDAPResultUnavailable:
		return 503
	case ldap.LDAPResultInvalidCredentials:
		return 401
	case ldap.LDAPResultInsufficientAccessRights:
		return 403
	case ldap.LDAPResultNoSuchObject:
		return 404
	case ldap.ErrorNetwork, ldap.LDAPResultServerDown, ldap.LDAPResultConnectError, ldap.LDAPResultTimeout:
		return 0
	}
	return 500
}

// timeLimit is the server-side time limit of one search, in seconds.
func (c *Connector) timeLimit() int { return max(1, int(c.set.Timeout/time.Second)) }
