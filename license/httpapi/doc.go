// Package httpapi owns Rollcall's admin REST API under /api/v1: licenses,
// feature permissions, domains and their admins, members (query language,
// paging, CSV import and export, history), entitlement lookup and key
// redemption for applications, usage series, deployments, sync runs and
// held plans, API tokens and sign-in. Every route is described in the
// embedded OpenAPI document (openapi.json) and every handler asks
// license/auth's Authorizer before it reads or writes anything.
//
// Errors are JSON, {"error":{"code":..., "message":..., "field":...}}, with
// the stable codes listed in errors.go.
package httpapi
