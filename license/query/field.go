package query

import "strings"

// field is a column a condition tests.
type field uint8

const (
	fName field = iota + 1
	fEmail
	fDomain
	fRole
	fSource
	fOrgUnit
	fAdded
	fStatus // active or leaving (license.Member.Status)

	numFields // one past the last field
)

// fieldNames are the canonical names, as String writes them and Fields
// reports them.
var fieldNames = [...]string{
	fName: "name", fEmail: "email", fDomain: "domain", fRole: "role",
	fSource: "source", fOrgUnit: "org_unit", fAdded: "added", fStatus: "status",
}

func (f field) String() string { return fieldNames[f] }

var fieldWords = map[string]field{
	"name": fName, "email": fEmail, "domain": fDomain, "role": fRole, "source": fSource,
	"org_unit": fOrgUnit, "orgunit": fOrgUnit, "ou": fOrgUnit, "added": fAdded, "status": fStatus,
}

func lookupField(word string) (field, bool) {
	f, ok := fieldWords[strings.ToLower(word)]
	return f, ok
}

// op is a condition's operator. The negated forms are separate ops so that
// String can write them back as typed.
type op uint8

const (
	opIs op = iota + 1
	opIsNot
	opContains
	opNotContains
	opLike
	opNotLike
	opBefore
	opAfter
)

var opNames = [...]string{
	opIs: "is", opIsNot: "is not", opContains: "contains", opNotContains: "not contains",
	opLike: "like", opNotLike: "not like", opBefore: "before", opAfter: "after",
}

func (o op) String() string { return opNames[o] }

// negated reports whether o is the "not" form of another op.
func (o op) negated() bool { return o == opIsNot || o == opNotContains || o == opNotLike }

const textOps = "is, is not, contains, not contains, like or not like"

// allows reports whether field f takes op o, and if not, what it does take.
func (f field) allows(o op) (bool, string) {
	switch f {
	case fRole, fStatus:
		return o == opIs || o == opIsNot, "is or is not"
	case fAdded:
		return o == opIs || o == opIsNot || o == opBefore || o == opAfter, "is, is not, before or after"
	}
	return o != opBefore && o != opAfter, textOps
}
