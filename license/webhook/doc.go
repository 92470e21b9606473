// Package webhook delivers each license's change feed to its webhooks:
// every event once it is committed, in feed order, signed with the
// webhook's secret (HMAC-SHA256 over the timestamp and the body), retried
// with backoff, and at least once: a webhook's place in the feed is kept
// in the store (license.Outbox) and moves only after the receiver answered
// 2xx, so a crash between the commit of a change and its delivery loses
// nothing, and a delivery repeated after a crash carries the same
// idempotency key. Deliveries given up after their retries go to the
// webhook's dead-letter list.
package webhook
