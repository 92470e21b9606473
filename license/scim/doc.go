// Package scim is Rollcall's SCIM 2.0 service provider (RFC 7643, RFC
// 7644): the endpoint Entra ID and Okta provision people into. It owns the
// /scim/v2 routes, the provisioning connections and their bearer tokens,
// and the SCIM resources (Users and Groups) each connection has pushed.
//
// A connection is one identity provider's provisioning job, scoped to the
// licenses it may touch. Its resources are the source of truth for its
// claims: after every change the package reconciles the affected people
// into license claims with source scim/<connection>, through the same
// license.Store.Apply as every other source, so the union of claims,
// seats, overflow and the audit trail hold as they do for syncs. A user
// set active: false, or deleted, loses the connection's claims; one
// re-activated gets them back. Pushes that would remove more claims within
// an hour than the connection's deletion limit (Entra ID and Okta
// deprovision one request per user, so a mass removal arrives as many
// small pushes) keep their resource changes (the identity provider's view
// is recorded) but hold the removals until an admin approves them
// (`rollcall scim approve`), as syncs hold theirs.
//
// Filters and PATCH paths are parsed with github.com/scim2/filter-parser.
// The package accepts what the two big clients send beyond the RFC: Entra
// ID's capitalised PATCH ops ("Replace", "Add"), booleans as the strings
// "True"/"False", no-path PATCH values with dotted keys ("name.givenName"),
// and Okta's PUT-based updates after a GET ?filter=userName eq "...".
package scim
