package ldaptest

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// User is one AD-shaped person of a test directory.
type User struct {
	CN          string // RDN value; the DN is cn=CN,OU
	OU          string // parent DN; empty: PeopleDN
	Given       string
	Family      string
	DisplayName string
	Mail        string // empty: no mail attribute
	UPN         string // userPrincipalName; empty: none
	Disabled    bool   // userAccountControl 514 (ACCOUNTDISABLE) instead of 512
	GUID        []byte // objectGUID, 16 bytes; nil: random
}

// DN is the user's distinguished name.
func (u *User) DN() string {
	ou := u.OU
	if ou == "" {
		ou = PeopleDN
	}
	return "cn=" + ldap.EscapeDN(u.CN) + "," + ou
}

// Microsoft's user and group classes require these of every object; the
// values are what AD shows for ordinary objects.
func msTop(category string) map[string][]string {
	return map[string][]string{
		"instanceType":         {"4"},
		"nTSecurityDescriptor": {"\x01\x00\x04\x80"},
		"objectCategory":       {"CN=" + category + ",CN=Schema,CN=Configuration," + Suffix},
	}
}

// AddUsers creates users, creating their OUs first where missing.
func (s *Server) AddUsers(t testing.TB, users ...User) {
	t.Helper()
	c := s.Admin(t)
	for i := range users {
		u := &users[i]
		if u.GUID == nil {
			u.GUID = make([]byte, 16)
			_, _ = rand.Read(u.GUID)
		}
		attrs := msTop("Person")
		attrs["objectClass"] = []string{"user"}
		attrs["cn"] = []string{u.CN}
		attrs["sn"] = []string{nonEmpty(u.Family, u.CN)}
		attrs["objectGUID"] = []string{string(u.GUID)}
		uac := 512 // NORMAL_ACCOUNT
		if u.Disabled {
			uac |= 2 // ACCOUNTDISABLE
		}
		attrs["userAccountControl"] = []string{strconv.Itoa(uac)}
		for k, v := range map[string]string{"givenName": u.Given, "displayName": u.DisplayName, "mail": u.Mail,
			"userPrincipalName": u.UPN} {
			if v != "" {
				attrs[k] = []string{v}
			}
		}
		if err := c.Add(add(u.DN(), attrs)); err != nil {
			t.Fatalf("add user %s: %v", u.DN(), err)
		}
	}
}

// AddOU creates an organizational unit.
func (s *Server) AddOU(t testing.TB, dn string) {
	t.Helper()
	rdn, err := ldap.ParseDN(dn)
	if err != nil || len(rdn.RDNs) == 0 || rdn.RDNs[0].Attributes[0].Type != "ou" {
		t.Fatalf("AddOU(%q): want ou=...,...", dn)
	}
	if err := s.Admin(t).Add(add(dn, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {rdn.RDNs[0].Attributes[0].Value}})); err != nil {
		t.Fatalf("add OU %s: %v", dn, err)
	}
}

// AddGroup creates an AD global security group cn=cn,ou=groups with the
// given member DNs (users or groups).
func (s *Server) AddGroup(t testing.TB, cn string, members ...string) string {
	t.Helper()
	dn := "cn=" + ldap.EscapeDN(cn) + "," + GroupsDN
	attrs := msTop("Group")
	attrs["objectClass"] = []string{"group"}
	attrs["cn"] = []string{cn}
	attrs["groupType"] = []string{"-2147483646"} // global security group
	if len(members) > 0 {
		attrs["member"] = members
	}
	if err := s.Admin(t).Add(add(dn, attrs)); err != nil {
		t.Fatalf("add group %s: %v", dn, err)
	}
	return dn
}

// Modify replaces attributes of an entry (nil values delete it).
func (s *Server) Modify(t testing.TB, dn string, attrs map[string][]string) {
	t.Helper()
	m := ldap.NewModifyRequest(dn, nil)
	for k, v := range attrs {
		if v == nil {
			m.Delete(k, nil)
		} else {
			m.Replace(k, v)
		}
	}
	if err := s.Admin(t).Modify(m); err != nil {
		t.Fatalf("modify %s: %v", dn, err)
	}
}

// Delete removes entries.
func (s *Server) Delete(t testing.TB, dns ...string) {
	t.Helper()
	c := s.Admin(t)
	for _, dn := range dns {
		if err := c.Del(ldap.NewDelRequest(dn, nil)); err != nil {
			t.Fatalf("delete %s: %v", dn, err)
		}
	}
}

func nonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// GUIDString formats a 16-byte objectGUID as AD shows it: the first three
// groups little-endian, as Windows' GUID structure stores them.
func GUIDString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
}
