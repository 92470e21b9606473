package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/license/query"
)

// builder is the search builder under the filter box: pick a field, an
// operator and a value, join with and/or. It only ever writes query
// language text, which the filter box then holds and the server parses,
// so a segment built here can be read, edited and bookmarked.
type builder struct {
	Fields []option
	Ops    []option
	Joins  []option
	Field  string
	Op     string
	Value  string
	Join   string
}

type option struct{ Value, Label string }

var builderFields = []option{
	{"name", "Name"}, {"email", "Email"}, {"domain", "Email domain"}, {"role", "Role"},
	{"source", "Source"}, {"org_unit", "Org unit"}, {"added", "Added (date)"},
}

var builderOps = []option{
	{"is", "is"}, {"is not", "is not"}, {"contains", "contains"}, {"not contains", "does not contain"},
	{"before", "before"}, {"after", "after"},
}

var builderJoins = []option{{"and", "and"}, {"or", "or"}}

func newBuilder() builder {
	return builder{Fields: builderFields, Ops: builderOps, Joins: builderJoins}
}

// readBuilder reads the builder's parts from a no-JavaScript submit.
func readBuilder(v url.Values) builder {
	b := newBuilder()
	b.Field, b.Op, b.Value, b.Join = v.Get("bf"), v.Get("bo"), strings.TrimSpace(v.Get("bv")), v.Get("bj")
	return b
}

func has(opts []option, v string) bool {
	return slices.ContainsFunc(opts, func(o option) bool { return o.Value == v })
}

// apply adds the builder's condition to q and checks the result parses.
func (b builder) apply(q string) (string, error) {
	if !has(builderFields, b.Field) || !has(builderOps, b.Op) {
		return q, fmt.Errorf("the search builder sent an unknown field or operator")
	}
	if b.Value == "" {
		return q, fmt.Errorf("the search builder needs a value to compare %s with", b.Field)
	}
	join := "and"
	if b.Join == "or" {
		join = "or"
	}
	cond := b.Field + " " + b.Op + " " + quoteValue(b.Value)
	q = strings.TrimSpace(q)
	out := cond
	if q != "" {
		// "a or b and c" would bind the new condition to b alone.
		if join == "and" && strings.Contains(strings.ToLower(q), " or ") {
			q = "(" + q + ")"
		}
		out = q + " " + join + " " + cond
	}
	if _, err := query.Parse(out); err != nil {
		return q, fmt.Errorf("that condition does not fit the query: %w", err)
	}
	return out, nil
}

// keywords of the query language, which a value must be quoted to be.
var keywords = []string{"and", "or", "not", "is", "contains", "like", "before", "after",
	"name", "email", "domain", "role", "source", "org_unit", "orgunit", "ou", "added"}

// quoteValue writes a value as the query language reads it: bare when it
// is a plain word, else in double quotes with \ escaping " and \.
func quoteValue(v string) string {
	plain := !slices.Contains(keywords, strings.ToLower(v))
	for _, r := range v {
		if r <= ' ' || r == '"' || r == '\'' || r == '\\' || r == '(' || r == ')' {
			plain = false
			break
		}
	}
	if plain {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
