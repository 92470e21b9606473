// Package query owns the members-table query language: the wildcard search
// box (%Thomas%, thomas%, t_m) and the search builder's conditions
// (role is student, source is google-directory/hs, added after 2026-09-01),
// joined with and, or, not and parentheses.
//
// Parse compiles a query once; the result is a license.Filter whose Match
// does no allocation, so a store can run it over a million members. String
// gives the canonical form, which the dashboard shows and stores use to bind
// a paging cursor to its filter.
//
// The grammar, lowest precedence first:
//
//	query     = [ or ]
//	or        = and { "or" and }
//	and       = unary { [ "and" ] unary }      two terms side by side mean and
//	unary     = "not" unary | primary
//	primary   = "(" or ")" | condition | pattern
//	condition = field op value
//	field     = name | email | domain | role | source | org_unit (ou, orgunit) | added
//	op        = is | is not | contains | not contains | like | not like | before | after
//
// A value or pattern is a run of characters up to white space or a
// parenthesis, or a string in "..." or '...' where \ escapes the quote and
// itself. Keywords and field names are matched in any case; a word that is
// one of them is taken as such unless quoted.
//
// A bare pattern matches name or email. In a pattern, as in SQL LIKE, %
// matches any run of characters, _ exactly one, and \ makes the next
// character literal; a pattern without % or _ matches anywhere (thomas is
// %thomas%). All text comparisons ignore case.
package query
