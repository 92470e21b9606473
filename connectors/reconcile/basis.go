package reconcile

import (
	"crypto/sha256"
	"hash"

	"github.com/rollcall-sync/rollcall/license"
)

// basisHasher computes a Basis while the claims are read: records are
// gathered into chunks that a second goroutine hashes, so on a machine
// with a spare core the SHA-256 of a million claims (a third of an
// unchanged sync's time past reading the source) overlaps the merge
// instead of adding to it. The digest is that of the records written in
// order, exactly as one sequential hash would give.
type basisHasher struct {
	h    hash.Hash
	buf  []byte
	work chan []byte // full chunks, in order, to the hashing goroutine
	free chan []byte // hashed chunks back, for reuse
	done chan struct{}
}

const (
	basisChunk  = 64 << 10
	basisChunks = 3 // one being filled, up to two queued or hashing
)

func newBasisHasher() *basisHasher {
	b := &basisHasher{h: sha256.New(), work: make(chan []byte, basisChunks), free: make(chan []byte, basisChunks), done: make(chan struct{})}
	for range basisChunks - 1 {
		b.free <- make([]byte, 0, basisChunk)
	}
	b.buf = make([]byte, 0, basisChunk)
	go func() {
		defer close(b.done)
		for c := range b.work {
			b.h.Write(c)
			b.free <- c[:0]
		}
	}()
	return b
}

// claim adds one claim's record.
func (b *basisHasher) claim(email string, c *license.Claim) {
	b.buf = appendRecord(b.buf, email, c.Name, c.Role, c.OrgUnit, c.ExternalID, c.Attrs)
	if !c.Leaving.IsZero() {
		// A claim marked leaving (or restored) has moved: approvals made
		// against it must see that. Unmarked claims hash as they always did.
		b.buf = append(b.buf, "\x00leaving "...)
		b.buf = c.Leaving.UTC().AppendFormat(b.buf, "2006-01-02T15:04:05.999999999Z")
		if c.LeavingRevokes {
			b.buf = append(b.buf, " revokes"...)
		}
	}
	b.spill()
}

// raw adds bytes as they are (a spilled snapshot's records, which are
// already in appendRecord's form).
func (b *basisHasher) raw(rec []byte) {
	b.buf = append(b.buf, rec...)
	b.spill()
}

// spill hands a full chunk to the hashing goroutine.
func (b *basisHasher) spill() {
	if len(b.buf) >= basisChunk {
		b.work <- b.buf
		b.buf = <-b.free
	}
}

// sum hands over the last chunk, waits for the hashing to finish and
// returns the digest. It must be called exactly once, on every path (a
// failed read included), or the goroutine is left waiting.
func (b *basisHasher) sum() string {
	if len(b.buf) > 0 {
		b.work <- b.buf
	}
	close(b.work)
	<-b.done
	return sum(b.h)
}
