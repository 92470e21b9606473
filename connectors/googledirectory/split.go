package googledirectory

import (
	"cmp"
	"context"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	admin "google.golang.org/api/admin/directory/v1"
)

// How a unit is split, and why this way.
//
// Google's user search has orgUnitPath= only in the form that matches the
// unit and every unit below it, and no form for "this unit alone"
// (developers.google.com/admin-sdk/directory/v1/guides/search-users; GAM's
// "limittoou" filters on the client for the same reason). Splitting a unit
// into the subtrees of its children would therefore leave the people placed
// directly in the unit itself readable only by reading the whole unit a
// second time. Instead a unit that does not fit in one page is split by the
// first character of the primary email, each listing asking
// orgUnitPath='<unit>' email:<c>*. Those listings are disjoint once the
// client keeps, in listing c, only users whose primary email starts with c
// (email: also matches aliases), and they cover the unit as long as every
// primary email starts with a character of the alphabet: Google's username
// rules allow letters, digits, dashes, underscores and apostrophes there
// (support.google.com/a/answer/9193374; usernames are lower-case and cannot
// start with a period). Newer rules allow one accented letter or symbol
// anywhere, so the alphabet also holds Latin-1's lower-case letters, the
// first pages, read whole before splitting, add every other first
// character they show, and a user a listing returns (by an alias) whose
// primary email starts outside the alphabet is kept by the first listing
// that sees it. What no documented query can promise: a user whose primary
// email starts with a character outside all of these (a Latin Extended
// letter, a symbol) and who appears in none of the first pages would be
// missed. A district with such addresses sets concurrency: 1, which reads
// every unit in one listing, complete by construction.

// baseAlphabet are the first characters Google's username rules allow,
// and the lower-case letters of Latin-1 (one accented letter is allowed).
const baseAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz-_'" +
	"ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"

// probePages is how many pages of a unit are read whole before it is
// split: a unit that ends within them costs no more than before, and
// their users are a sample that widens the alphabet.
const probePages = 3

// When to split. Listings side by side hide the server's latency
// (Google's is about 200 ms a page); when pages come back fast, or when
// the time goes into work rather than waiting, more listings only add
// requests (one per character, many near empty) and work for the server.
// So a unit is split when its first pages waited for their first byte at
// least DefaultSplitLatency on average, and at least waitFactor times as
// long as the rest of the call took (reading and decoding the body):
// pages slow only because this machine is busy are slow at both, and
// are not split.
const (
	DefaultSplitLatency = 50 * time.Millisecond
	waitFactor          = 4
)

// shouldSplit applies the rule above to the probe pages' times.
func (c *Connector) shouldSplit(firstByte, rest time.Duration) bool {
	if c.splitLatency == 0 {
		return true // tests: split whatever the times
	}
	return firstByte >= probePages*c.splitLatency && firstByte >= waitFactor*rest
}

// readUnit reads one selected unit: up to probePages pages whole, then,
// if there is more, one listing per first character of the primary email.
func (c *Connector) readUnit(ctx context.Context, r *read, p *plan, ou string) error {
	q := c.userQuery(ou)
	if c.s.Concurrency == 1 || !c.s.SplitByEmail {
		return c.listing(ctx, r, p, ou, q, nil)
	}
	sp := &split{seen: map[string]bool{}, alphabet: map[string]bool{}}
	var chars []string
	for _, ch := range strings.Split(baseAlphabet, "") {
		sp.alphabet[ch] = true
		chars = append(chars, ch)
	}
	token := ""
	sample := map[string]int{} // first characters of the probe pages' emails
	var firstByte, rest time.Duration
	for page := 1; ; page++ {
		start := time.Now()
		var got time.Time // the last attempt's first byte
		tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotFirstResponseByte: func() { got = time.Now() },
		})
		resp, err := c.listCall(q).PageToken(token).Context(tctx).Do()
		if end := time.Now(); !got.IsZero() {
			firstByte += got.Sub(start)
			rest += end.Sub(got)
		}
		if err != nil {
			return c.listError(ctx, ou, q, page, err)
		}
		if err := c.sendPage(r, p, resp.Users, nil); err != nil {
			return c.listError(ctx, ou, q, page, err)
		}
		if resp.NextPageToken == "" {
			return nil
		}
		for _, u := range resp.Users {
			sp.seen[u.Id] = true
			sample[firstChar(u.PrimaryEmail)]++
			if ch := firstChar(u.PrimaryEmail); ch != "" && !sp.alphabet[ch] {
				sp.alphabet[ch] = true
				chars = append(chars, ch)
			}
		}
		token = resp.NextPageToken
		if page == probePages {
			break
		}
	}
	if !c.shouldSplit(firstByte, rest) {
		// Fast pages: go on with this listing alone.
		pages := probePages
		err := c.listCall(q).PageToken(token).Pages(ctx, func(resp *admin.Users) error {
			pages++
			return c.sendPage(r, p, resp.Users, nil)
		})
		return c.listError(ctx, ou, q, pages+1, err)
	}
	for _, ch := range biggestFirst(chars, sample) {
		bq := strings.TrimSpace(q + " " + emailPrefixQuery(ch))
		r.spawn(func(ctx context.Context) error {
			return c.listing(ctx, r, p, ou, bq, func(u *admin.User) bool { return sp.keep(ch, u) })
		})
	}
	return nil
}

// biggestFirst orders the listings by how many of the probe pages' people
// they would hold, most first (ties keep the alphabet's order). The read
// ends when its longest listing does, and every listing's pages wait their
// turn for the quota: a big listing started last (m, t in an alphabet
// walk) would finish well after the quota allowed the whole read. The
// probe pages come in id order, so they sample the unit evenly.
func biggestFirst(chars []string, sample map[string]int) []string {
	out := slices.Clone(chars)
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(sample[b], sample[a]) })
	return out
}

// split is what the listings of one unit share; seen and alphabet are
// read-only once they start.
type split struct {
	seen     map[string]bool // ids the first page already sent
	alphabet map[string]bool

	mu     sync.Mutex
	strays map[string]bool // ids outside the alphabet already sent
}

// keep reports whether the listing for first character ch sends u.
func (s *split) keep(ch string, u *admin.User) bool {
	if s.seen[u.Id] {
		return false
	}
	got := firstChar(u.PrimaryEmail)
	if got == ch {
		return true
	}
	if s.alphabet[got] {
		return false // its own listing sends it
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.strays[u.Id] {
		return false
	}
	if s.strays == nil {
		s.strays = map[string]bool{}
	}
	s.strays[u.Id] = true
	return true
}

// firstChar is the lower-cased first character of an email, or "".
func firstChar(email string) string {
	r, n := utf8.DecodeRuneInString(email)
	if n == 0 || r == utf8.RuneError {
		return ""
	}
	return strings.ToLower(string(r))
}

// emailPrefixQuery is the clause for primary emails (and aliases)
// starting with ch: bare for letters and digits, as Google's examples
// write it, quoted with \ escapes otherwise.
func emailPrefixQuery(ch string) string {
	if len(ch) == 1 && (ch[0] >= 'a' && ch[0] <= 'z' || ch[0] >= '0' && ch[0] <= '9') {
		return "email:" + ch + "*"
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "email:'" + r.Replace(ch) + "*'"
}
