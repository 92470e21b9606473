// Package oauth1 owns OAuth 1.0a request signing (RFC 5849) in its
// two-legged form, shared by the connectors whose vendors use it: OneRoster
// 1.1 (HMAC-SHA256) and Schoology (HMAC-SHA1 or PLAINTEXT, with a realm and
// an empty oauth_token). Signer is an http.RoundTripper meant to sit under
// the retries (connectors/httpretry), so every attempt is signed afresh with
// a new nonce and timestamp: a server refuses a nonce it has seen.
//
// The building blocks (SignatureBase, Sign, AuthorizationHeader and its
// parser ParseAuthorization) are exported so vendor fakes can verify what
// a connector sends; they are tested against the RFC's worked examples, not
// against each other.
package oauth1
