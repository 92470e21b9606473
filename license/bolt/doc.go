// Package bolt is the embedded license.Store: one bbolt file holding every
// license, its members with their claims, the secondary indexes that keep
// listing, claims and entitlement lookups from scanning, and the audit
// trail. The bucket layout is drawn in buckets.go; schema versions and
// their migrations are in migrations.go.
package bolt
