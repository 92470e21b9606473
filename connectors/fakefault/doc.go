// Package fakefault owns the fault switchboard every vendor fake shares:
// the counters a test or the demo arms (throttle the next n requests,
// answer the next n with a 5xx, slow, fail or truncate listing pages,
// serve an empty source) and the one place requests take them from, safe
// under concurrent requests. It knows nothing of any vendor: each fake
// renders what it takes in its own vendor's words (Google JSON errors,
// Canvas status text, OneRoster imsx), so the fakes' answers stay
// faithful while the counting lives once.
package fakefault
