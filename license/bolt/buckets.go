package bolt

// The bucket tree. Every key name used anywhere in this package is a
// constant below; a key written "<x>" is data, 0x00 separates the parts of a
// composite key (emails, domains and sources cannot contain it), and ∅ is an
// empty value: the key is the index entry.
//
//	meta/
//	    version                      → schema version, uint64 big-endian
//	licenses/
//	    <license id>/
//	        record                   → License, JSON
//	        members/
//	            <email>              → Member, binary (codec.go)
//	        by_name/
//	            lower(name) 0x00 <email>   → ∅
//	        by_added/
//	            added(8) <email>           → ∅   (order-preserving nanoseconds)
//	        by_source/
//	            <source> 0x00 <email>      → the claim, binary (codec.go, encodeSourceClaim)
//	        events/                  (its sequence is the last seq)
//	            seq(8, big-endian)   → Event, binary (codec.go), or (schema 4)
//	                                   a pack of the events from seq on
//	        member_events/
//	            <email> 0x00 seq(8)  → ∅   every event naming a member but,
//	                                   from schema 4, the member.added event
//	                                   its member record holds
//	emails/
//	    <email> 0x00 <license id>    → ∅   (entitlement as a member)
//	domains/
//	    <domain> 0x00 <license id>   → ∅   (entitlement through License.Domains)
//	feed/                        (schema 3; its sequence is the last cursor)
//	    cursor(8)                    → <license id> 0x00 seq(8) n(8): the n
//	                                   audit events from seq on are the
//	                                   cursors from this key on; one entry per
//	                                   transaction, written with the changes
//	webhooks/                    (schema 3)
//	    <webhook id>                 → Webhook (cursor, no secret), JSON
//	dead_letters/                (schema 3)
//	    <webhook id> 0x00 cursor(8)  → DeadLetter, JSON
//	keys/
//	    sha256(license key)          → license id
//	domain_admins/
//	    <domain> 0x00 <email>        → ∅
//	admin_domains/
//	    <email> 0x00 <domain>        → ∅
var (
	bucketMeta         = []byte("meta")
	keyVersion         = []byte("version")
	bucketLicenses     = []byte("licenses")
	keyRecord          = []byte("record")
	bucketMembers      = []byte("members")
	bucketByName       = []byte("by_name")
	bucketByAdded      = []byte("by_added")
	bucketBySource     = []byte("by_source")
	bucketEvents       = []byte("events")
	bucketMemberEvents = []byte("member_events")
	bucketEmails       = []byte("emails")
	bucketDomains      = []byte("domains")
	bucketKeys         = []byte("keys")
	bucketDomainAdmins = []byte("domain_admins")
	bucketAdminDomains = []byte("admin_domains")
	bucketFeed         = []byte("feed")
	bucketWebhooks     = []byte("webhooks")
	bucketDeadLetters  = []byte("dead_letters")
)

// topBuckets are created by the first migration.
var topBuckets = [][]byte{bucketMeta, bucketLicenses, bucketEmails, bucketDomains, bucketKeys, bucketDomainAdmins, bucketAdminDomains}

// licenseBuckets are created in every license's bucket.
var licenseBuckets = [][]byte{bucketMembers, bucketByName, bucketByAdded, bucketBySource, bucketEvents, bucketMemberEvents}

const sep = 0x00

// pair builds a composite key a 0x00 b.
func pair(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, sep)
	return append(k, b...)
}

// prefix builds the seek prefix a 0x00.
func prefix(a string) []byte {
	k := make([]byte, 0, len(a)+1)
	k = append(k, a...)
	return append(k, sep)
}
