package fake

import (
	"slices"
	"strings"
	"sync"
)

// Why an index. A client that splits a big unit into one listing per first
// character of the primary email (orgUnitPath='/Students' email:a*, b*, …)
// would make a scanning fake look at every user of the unit for every
// listing, most of them near empty: at a million users about a third of a
// second of CPU per listing, 142 listings for /Students and /Staff, on the
// machine that also runs the client. Google answers
// those queries from indexes on its own machines, so the fake's own cost
// is no claim about Google and should follow the size of the page, not of
// the directory.
//
// userIndex narrows users.list to candidates: per org unit path as stored
// (exactly, so that the query's case-insensitive subtree match is applied
// to each distinct path, as the scan applied it to each user), every user
// placed there, and the same split by the first byte of the lower-cased
// primary email. Lists hold positions in Server.d.Users in ascending order,
// which is the listing order (by user id), so a page merges the lists of
// the matching paths from the page token's position on and stops after
// the page. The index holds a superset of the answer (a user whose email
// matches email:<p>* has p[0] as its lower-cased email's first byte), and
// every candidate is checked for what the list it came from does not
// settle: the flags, and a prefix longer than one byte.
// Suspended and archived users stay in the lists and are skipped by the
// match (a few per cent of a district); removed users leave them.
type userIndex struct {
	paths map[string]*pathUsers
	gen   uint64 // counts changes, for the candidate cache

	cacheMu sync.Mutex // readers under the server's read lock share the cache
	cache   map[candidateKey]candidateSet
}

// pathUsers are the users placed in one org unit path.
type pathUsers struct {
	all   []int32
	first map[byte][]int32 // by the first byte of the lower-cased primary email
}

func newUserIndex(users []User, removed []bool) *userIndex {
	x := &userIndex{paths: map[string]*pathUsers{}, cache: map[candidateKey]candidateSet{}}
	for i := range users {
		if !removed[i] {
			x.add(users, i)
		}
	}
	return x
}

// firstByte is the key of a user's email in pathUsers.first; ok is false
// for an empty email, which no email: prefix matches.
func firstByte(email string) (byte, bool) {
	if email == "" {
		return 0, false
	}
	return strings.ToLower(email)[0], true
}

// add puts the user at position i (placed at users[i].OrgUnitPath) in the
// index. Positions only grow in practice (new users are appended), so the
// insertion is an append; an earlier position is inserted in order.
func (x *userIndex) add(users []User, i int) {
	x.gen++
	u := &users[i]
	p := x.paths[u.OrgUnitPath]
	if p == nil {
		p = &pathUsers{first: map[byte][]int32{}}
		x.paths[u.OrgUnitPath] = p
	}
	p.all = insertPos(p.all, int32(i))
	if b, ok := firstByte(u.PrimaryEmail); ok {
		p.first[b] = insertPos(p.first[b], int32(i))
	}
}

// remove takes the user at position i out of the lists of path (the path
// it was placed at when added).
func (x *userIndex) remove(users []User, i int, path string) {
	x.gen++
	p := x.paths[path]
	if p == nil {
		return
	}
	p.all = removePos(p.all, int32(i))
	if b, ok := firstByte(users[i].PrimaryEmail); ok {
		p.first[b] = removePos(p.first[b], int32(i))
		if len(p.first[b]) == 0 {
			delete(p.first, b)
		}
	}
	if len(p.all) == 0 {
		delete(x.paths, path)
	}
}

func insertPos(list []int32, i int32) []int32 {
	if n := len(list); n == 0 || list[n-1] < i {
		return append(list, i)
	}
	at, found := slices.BinarySearch(list, i)
	if found {
		return list
	}
	return slices.Insert(list, at, i)
}

func removePos(list []int32, i int32) []int32 {
	at, found := slices.BinarySearch(list, i)
	if !found {
		return list
	}
	return slices.Delete(list, at, at+1)
}

// candidates returns the lists holding every user that may match q: those
// of the paths q's org unit covers (all of them without one), narrowed to
// the first byte of q's email prefix when it has one, and how many
// positions they hold. A split read asks the same few queries page after
// page, so the answer is kept until the index changes. Callers hold the
// server's lock (read or write).
func (x *userIndex) candidates(q *userQuery) candidateSet {
	key := candidateKey{orgUnit: q.orgUnit, first: -1}
	if q.emailPrefix != "" {
		key.first = int(q.emailPrefix[0])
	}
	x.cacheMu.Lock()
	defer x.cacheMu.Unlock()
	if c, ok := x.cache[key]; ok && c.gen == x.gen {
		return c
	}
	c := candidateSet{gen: x.gen}
	for path, p := range x.paths {
		if q.orgUnit != "" && !ouMatch(path, q.orgUnit, true) {
			continue
		}
		list := p.all
		if key.first >= 0 {
			list = p.first[byte(key.first)]
		}
		if len(list) > 0 {
			c.lists = append(c.lists, list)
			c.total += len(list)
		}
	}
	if len(x.cache) >= maxCachedQueries {
		clear(x.cache)
	}
	x.cache[key] = c
	return c
}

// maxCachedQueries bounds the candidate cache; a split read of a few
// units asks a few hundred distinct queries.
const maxCachedQueries = 1024

type candidateKey struct {
	orgUnit string
	first   int // first byte of the email prefix, -1: none
}

type candidateSet struct {
	lists [][]int32
	total int
	gen   uint64
}

// listPage visits, in position order from position start on, up to limit
// live users matching q, and reports whether another one follows. Callers
// hold s.mu (read).
//
// When the candidates are a good part of the directory (a big unit read
// whole), walking the users in order and checking each is as cheap per
// answer as merging lists, and that is what the fake did before it had an
// index. Otherwise the candidates' lists are merged in position order;
// every candidate already lies in a unit q covers (the lists are per path)
// and, for a one-byte prefix, starts with it, so only the rest of q is
// checked.
func (s *Server) listPage(q *userQuery, start, limit int, visit func(u *User)) (n int, more bool) {
	c := s.index.candidates(q)
	if c.total*denseFactor >= len(s.d.Users) {
		for i := start; i < len(s.d.Users); i++ {
			u := &s.d.Users[i]
			if s.removed[i] || !q.match(u) {
				continue
			}
			if n == limit {
				return n, true
			}
			visit(u)
			n++
		}
		return n, false
	}
	rest := *q
	rest.orgUnit = ""
	if len(rest.emailPrefix) == 1 {
		rest.emailPrefix = ""
	}
	m := newMerge(c.lists, start)
	for {
		i, ok := m.next()
		if !ok {
			return n, false
		}
		u := &s.d.Users[i]
		if s.removed[i] || !rest.match(u) {
			continue
		}
		if n == limit {
			return n, true
		}
		visit(u)
		n++
	}
}

// denseFactor: candidates that are at least 1/denseFactor of the users
// are walked in order rather than merged (at most denseFactor users
// looked at per answer).
const denseFactor = 4

// merge walks several ascending position lists as one, in order: a binary
// heap of cursors keyed by the position each one is at.
type merge []cursor

type cursor struct {
	head int32 // list[at]
	list []int32
	at   int
}

func newMerge(lists [][]int32, start int) merge {
	m := make(merge, 0, len(lists))
	from := int32(min(start, 1<<31-1))
	for _, l := range lists {
		at, _ := slices.BinarySearch(l, from)
		if at < len(l) {
			m = append(m, cursor{head: l[at], list: l, at: at})
		}
	}
	for i := len(m)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m
}

// next returns the smallest position not yet returned.
func (m *merge) next() (int, bool) {
	h := *m
	if len(h) == 0 {
		return 0, false
	}
	c := &h[0]
	i := c.head
	c.at++
	if c.at < len(c.list) {
		c.head = c.list[c.at]
	} else {
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		*m = h
	}
	h.down(0)
	return int(i), true
}

func (m merge) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(m) {
			return
		}
		j := l
		if r := l + 1; r < len(m) && m[r].head < m[l].head {
			j = r
		}
		if m[i].head <= m[j].head {
			return
		}
		m[i], m[j] = m[j], m[i]
		i = j
	}
}
