// Package auth owns who may call Rollcall's admin API and dashboard: API
// tokens (stored hashed), browser sessions and their cookies, OpenID Connect
// sign-in, the Principal a request runs as, and the Authorizer that decides
// what each principal may see and change.
//
// Store holds the rules for tokens and sessions; it keeps its records in a
// Storage: the bbolt file auth.db (Open, the default), or PostgreSQL
// (package pgauth) for replicas that share one database. Both pass the
// conformance suite in package authtest.
//
// Roles:
//
//   - operator: everything, including creating licenses and tokens.
//   - admin: a person. Their rights come from the store: a license admin
//     is listed in License.Admins and manages that license (details, seats,
//     features, key, members, deployments, syncs). A domain admin
//     administers an email domain (Store.AdminDomains); on every license
//     whose Domains include one of their domains they may read the license
//     (details, features, usage) and read, add and remove the members whose
//     email is in those shared domains, and nothing else: not seats,
//     expiry, features, the key, deployments or members of other domains.
//   - application: entitlement lookup and key redemption only.
//
// A license the caller may not read answers as not found, so ids cannot be
// probed; a license they may read but not change answers forbidden.
package auth
