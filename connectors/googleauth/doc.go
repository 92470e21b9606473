// Package googleauth owns what every Google connector (google-directory,
// google-classroom) needs between Google's generated Go client and the
// network: service-account delegation (a key file or application default
// credentials, impersonating an admin, through the oauth2 JWT flow),
// retries on Google's "slow down" and server-fault answers, a fresh token
// when the API answers 401, and errors that name the connector, the call
// and Google's own message.
//
// The client NewClient returns stacks three layers:
//
//	reauth (401: drop the cached token, send once more)
//	  └ oauth2.Transport (adds the bearer token)
//	      └ retry (429, 5xx, 403 rate-limit reasons, network errors)
//	          └ the base transport
//
// Retries sit under the oauth2 transport so that they cover API calls and
// token requests alike, and see every attempt's status for the upstream
// metrics. Each response body is read whole there, so a body cut short is
// retried like any network error. The 401 layer sits above because the
// oauth2 transport only refreshes a token by its own clock.
//
// The retry loop, backoff, Retry-After and the `retry:` settings are
// connectors/httpretry's; what is Google's here is classify, which adds the
// 403 rate-limit reasons to httpretry.Standard.
//
// Only the scopes a connector passes are asked for; the connectors pass
// read-only ones.
package googleauth
