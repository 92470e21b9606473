package ldaptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Paths of Debian's slapd package.
const (
	SlapdPath  = "/usr/sbin/slapd"
	SchemaDir  = "/etc/ldap/schema"
	ModulePath = "/usr/lib/ldap"
)

// Suffix is the naming context of every test directory, and the DNs a
// test uses beside it.
const (
	Suffix    = "dc=district,dc=example,dc=org"
	AdminDN   = "cn=admin," + Suffix
	ServiceDN = "cn=rollcall-svc,ou=service," + Suffix
	PeopleDN  = "ou=people," + Suffix
	GroupsDN  = "ou=groups," + Suffix
)

// Server is one running slapd.
type Server struct {
	URL        string // ldap://127.0.0.1:port
	LDAPSURL   string // ldaps://127.0.0.1:port
	CAFile     string // PEM of the CA that signed the server's certificate
	AdminPass  string
	ServicePwd string
	dir        string
	cmd        *exec.Cmd
}

// Available reports why slapd cannot run here, or "".
func Available() string {
	if _, err := os.Stat(SlapdPath); err != nil {
		return "slapd is not installed (Debian package slapd; scripts/test.sh installs it)"
	}
	if _, err := os.Stat(filepath.Join(SchemaDir, "msuser.schema")); err != nil {
		return "OpenLDAP's msuser schema is missing from " + SchemaDir
	}
	return ""
}

// Need skips t when slapd is missing, except under CI, where a missing
// server is a failure: CI's test command installs it.
func Need(t testing.TB) {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
}

// Start runs a fresh slapd with an empty directory (the suffix, ou=people,
// ou=groups and the service account) and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	Need(t)
	// Not t.TempDir: its parent is private to this user, and slapd runs
	// as nobody when the tests run as root.
	dir, err := os.MkdirTemp("", "rollcall-slapd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{dir: dir, AdminPass: randomPassword(), ServicePwd: randomPassword()}
	if err := s.writeTLS(); err != nil {
		t.Fatal(err)
	}
	if err := s.writeConfig(); err != nil {
		t.Fatal(err)
	}
	port, sport := freePort(t), freePort(t)
	s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", port)
	s.LDAPSURL = fmt.Sprintf("ldaps://127.0.0.1:%d", sport)
	args := []string{"-d", "0", "-f", filepath.Join(dir, "slapd.conf"), "-h", s.URL + "/ " + s.LDAPSURL + "/"}
	// slapd refuses nothing as root, but a test server has no business
	// running as root: drop to nobody when we are root.
	if os.Geteuid() == 0 {
		if err := chownTree(dir, "nobody"); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-u", "nobody", "-g", "nogroup")
	}
	var logs bytes.Buffer
	s.cmd = exec.Command(SlapdPath, args...)
	s.cmd.Stdout, s.cmd.Stderr = &logs, &logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := ldap.DialURL(s.URL)
		if err == nil {
			c.Close()
			break
		}
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("slapd exited (%v) before listening on %s:\n%s", werr, s.URL, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("slapd did not listen on %s: %v\n%s", s.URL, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.seed(); err != nil {
		t.Fatalf("seed the directory: %v", err)
	}
	return s
}

// Admin returns a connection bound as the directory's root DN.
func (s *Server) Admin(t testing.TB) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(AdminDN, s.AdminPass); err != nil {
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) seed() error {
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Bind(AdminDN, s.AdminPass); err != nil {
		return err
	}
	adds := []*ldap.AddRequest{
		add(Suffix, map[string][]string{"objectClass": {"dcObject", "organization"}, "o": {"District"}, "dc": {"district"}}),
		add("ou=service,"+Suffix, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"service"}}),
		add(PeopleDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}),
		add(GroupsDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"groups"}}),
		add(ServiceDN, map[string][]string{"objectClass": {"person", "simpleSecurityObject"}, "cn": {"rollcall-svc"}, "sn": {"service"}, "userPassword": {s.ServicePwd}}),
	}
	for _, a := range adds {
		if err := c.Add(a); err != nil {
			return fmt.Errorf("add %s: %w", a.DN, err)
		}
	}
	return nil
}

func add(dn string, attrs map[string][]string) *ldap.AddRequest {
	a := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		a.Attribute(k, v)
	}
	return a
}

// memberOfDef matches the msuser schema's memberOf definition, which has
// no equality rule and so cannot be searched; the memberof overlay
// defines the same OID with distinguishedNameMatch, so the test config
// leaves Microsoft's out.
var memberOfDef = regexp.MustCompile(`(?s)attributetype \( MSADat2:102\s+NAME 'memberOf'.*?\)\n`)

var memberOfUse = regexp.MustCompile(`\$ memberOf\b`)

func (s *Server) writeConfig() error {
	ms, err := os.ReadFile(filepath.Join(SchemaDir, "msuser.schema"))
	if err != nil {
		return err
	}
	if !memberOfDef.Match(ms) {
		return errors.New("msuser.schema: memberOf definition not found; the test config needs updating for this OpenLDAP")
	}
	ms = memberOfDef.ReplaceAll(ms, nil)
	// The overlay's memberOf is operational, and a user class may not
	// list an operational attribute: drop it from Microsoft's mstop.
	ms = memberOfUse.ReplaceAll(ms, nil)
	if err := os.WriteFile(filepath.Join(s.dir, "msuser.schema"), ms, 0o600); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "data"), 0o700); err != nil {
		return err
	}
	// The memberof module is loaded before the schemas so that its
	// memberOf definition stands in for Microsoft's.
	conf := fmt.Sprintf(`# a throwaway test directory, shaped like Active Directory
modulepath %[3]s
moduleload back_mdb
moduleload memberof
include %[1]s/core.schema
include %[1]s/cosine.schema
include %[1]s/inetorgperson.schema
include %[1]s/nis.schema
include %[2]s/msuser.schema
pidfile %[2]s/slapd.pid
TLSCACertificateFile %[2]s/ca.pem
TLSCertificateFile %[2]s/server.pem
TLSCertificateKeyFile %[2]s/server.key
# AD answers at most 1000 entries a page (MaxPageSize); OpenLDAP's default
# size limit is 500. A test server says 1000, as AD does.
sizelimit 1000
database mdb
suffix "%[4]s"
rootdn "%[5]s"
rootpw %[6]s
directory %[2]s/data
maxsize 268435456
dbnosync
index objectClass eq
index memberOf eq
index mail eq
overlay memberof
memberof-group-oc group
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true
limits dn.exact="%[7]s" size.prtotal=unlimited
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="%[7]s" read
  by * none
`, SchemaDir, s.dir, ModulePath, Suffix, AdminDN, s.AdminPass, ServiceDN)
	return os.WriteFile(filepath.Join(s.dir, "slapd.conf"), []byte(conf), 0o600)
}

// writeTLS makes a CA and a server certificate for 127.0.0.1 and localhost.
func (s *Server) writeTLS() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rollcall test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	s.CAFile = filepath.Join(s.dir, "ca.pem")
	for name, block := range map[string]*pem.Block{
		"ca.pem":     {Type: "CERTIFICATE", Bytes: caDER},
		"server.pem": {Type: "CERTIFICATE", Bytes: der},
		"server.key": {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(s.dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func chownTree(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// SetServicePassword changes the service account's password, so that the
// connector's configured one is refused (invalidCredentials).
func (s *Server) SetServicePassword(pwd string) error {
	c, err := ldap.DialURL(s.URL)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Bind(AdminDN, s.AdminPass); err != nil {
		return err
	}
	m := ldap.NewModifyRequest(ServiceDN, nil)
	m.Replace("userPassword", []string{pwd})
	return c.Modify(m)
}
