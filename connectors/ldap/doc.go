// Package ldap is the `ldap` connector: it reads people from an LDAP
// directory, Active Directory or OpenLDAP, for deployments that name an
// organizational unit, a group, or a filter.
//
// It binds with a service account (simple bind over LDAPS or StartTLS,
// verified against a CA file; plain ldap:// only when the settings say
// insecure), reads with the Simple Paged Results control (RFC 2696) at the
// page size the server allows (AD's MaxPageSize is 1000, OpenLDAP's
// default size limit 500), and ignores referrals and continuation
// references: AD returns them for other domains of a forest, which a
// deployment names by their own DN if it wants them.
//
// Units:
//
//	ou:<DN>            people under the OU, all levels below it
//	ou-onelevel:<DN>   people directly in the OU
//	group:<DN>         the group's direct members
//	nested-group:<DN>  members of the group and of every group inside it
//	filter:<filter>    people matching an LDAP filter under base_dn
//
// Nested groups use AD's LDAP_MATCHING_RULE_IN_CHAIN
// (1.2.840.113556.1.4.1941) where the server is Active Directory (its
// root DSE lists capability 1.2.840.113556.1.4.800); elsewhere the
// connector walks the nested groups itself through memberOf, with cycle
// detection, since OpenLDAP evaluates the unknown rule to nothing rather
// than to an error. Group membership is read through memberOf, which AD
// keeps and OpenLDAP keeps with the memberof overlay: this avoids AD's
// ranged retrieval of large member attributes (member;range=0-1499).
//
// Disabled AD accounts (userAccountControl bit 2, ACCOUNTDISABLE) are left
// out by the filter (userAccountControl:1.2.840.113556.1.4.803:=2), which
// AD documents and OpenLDAP implements as integerBitAndMatch. The external
// id is objectGUID (AD, shown in AD's string form) or entryUUID
// (OpenLDAP), never the DN, which changes when a person moves.
package ldap
