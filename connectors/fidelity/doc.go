// Package fidelity holds each vendor fake to what its vendor documents.
//
// A fake is a claim about a vendor: every endpoint it serves, every query
// parameter it reads, every response field, header and status it sends.
// Each fake keeps that claim as a table in a FIDELITY.md file beside it,
// one row per fact with the vendor document it comes from, and embeds the
// file. A Recorder wraps the fake's handler, notes what really crosses the
// wire, and reports every endpoint, parameter, field, header or status that
// is not in the table, so a fake cannot drift from its documentation
// without a test failing.
//
// The table format (Markdown, one table per file; other lines are prose):
//
//	| kind | endpoint | name | source |
//	| --- | --- | --- | --- |
//	| endpoint | GET /api/v1/courses/{id}/users | | doc/api/courses.md "List users in course" |
//	| param | GET /api/v1/courses/{id}/users | include[] | same |
//	| field | GET /api/v1/courses/{id}/users | [].email | lib/api/v1/user.rb |
//	| header | * | Link | doc/api/pagination.md |
//	| status | * | 401 | doc/api/oauth.md |
//
// Kinds: endpoint (a net/http ServeMux pattern with its method), param (a
// query or form parameter name a request carried), field (a JSON path in a
// response body: object keys joined by ".", "[]" for array elements, "*"
// for one segment of any name, "**" for everything below), header (a
// response header, canonical or not), status (an HTTP status code the
// endpoint answers). The endpoint column of the other kinds names one
// endpoint row or "*" for all.
package fidelity
