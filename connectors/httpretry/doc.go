// Package httpretry owns the retry machinery the HTTP connectors share
// (googleauth for google-directory and google-classroom, canvas,
// blackboard, brightspace, schoology, moodle, clever, lti, oneroster): the
// Clock retries wait on, the `retry:` settings block (Retry: max_attempts,
// max_elapsed, base_delay) with its defaults and validation, exponential
// backoff with full jitter under a ceiling, Retry-After parsing, and
// Transport, an http.RoundTripper that reads each answer whole (so a body
// cut short is retried like any network error), reports every attempt and
// retry to a connectors.UpstreamObserver, and stops at the attempt and
// elapsed-time bounds. With a Limiter (connectors/ratelimit) every
// attempt first waits for the vendor's quota, so pacing is available to
// every connector the same way; that wait counts as neither a retry nor
// elapsed time.
//
// NewClient builds a vendor connector's client the one way they all want
// it: Transport over the caller's transport (Base: the one in
// connectors.OpenOptions, else a default with a response-header timeout),
// reporting to OpenOptions.Upstream under the instance's name, keeping the
// caller's Timeout and never following a redirect, which would carry the
// credentials along. Direct is the same without retries, for token
// requests.
//
// What is worth retrying is the vendor's call: each connector hands
// Transport a Classifier (Standard covers what every vendor means by "try
// again": no answer, 429 and 5xx, measuring Retry-After and
// X-RateLimit-Reset from the Transport's Clock, which the classifier is
// handed, so a test's clock drives them); Google's 403 rate-limit reasons,
// Canvas's 403 "Rate Limit Exceeded" and its bucket pacing, and OneRoster's
// error bodies stay in their own packages.
package httpretry
