// Package ldaptest starts a real OpenLDAP slapd (Debian's package) on
// loopback for tests, shaped like Active Directory where slapd can be:
// Microsoft's user and group classes from the msuser schema that OpenLDAP
// ships, userAccountControl with the bitwise matching rule AD documents
// (1.2.840.113556.1.4.803, which slapd implements as integerBitAndMatch),
// memberOf maintained by the memberof overlay, and LDAPS and StartTLS with
// a CA made for the run. It also holds Proxy, a TCP proxy that speaks
// just enough LDAP framing to inject the faults the connector suite needs
// (busy, unavailable, a failing page, a slow page) into a real server's
// conversation.
package ldaptest
