// Package postgres owns the PostgreSQL license.Store: licenses, members,
// their claims, the audit trail and the change feed with its webhook
// outbox, in one database that several Rollcall processes may share.
//
// Its schema lives in migrations/, applied in order by Migrate. Seat limits
// hold across processes because every write to a license first locks the
// license's row (SELECT ... FOR UPDATE), and an audit event and its feed
// entry commit in the transaction of the change they record.
package postgres
