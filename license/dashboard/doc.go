// Package dashboard owns the license dashboard: the server-rendered HTML
// pages (html/template) through which license admins, domain admins and
// operators sign in, see the licenses they may see, and manage them —
// details and key rotation, usage charts, the members table with the query
// language, adding and removing users by email, CSV or org unit, feature
// permissions, domains, LMS links, and sync deployments with their pending
// approvals.
//
// Everything it serves is embedded in the binary (templates, CSS, a small
// script, the logo), so it works offline. Every page works without
// JavaScript: forms post and links page; the script only adds conveniences
// such as the search builder writing into the filter box. Every state
// change is a POST behind http.CrossOriginProtection, and every page asks
// the authorizer first: a license the signed-in person may not see is a
// 404, exactly as one that does not exist.
//
// Usage charts are drawn on the server as inline SVG from the license's
// audit events and the sync runs, with the same figures as a table for
// screen readers.
package dashboard
