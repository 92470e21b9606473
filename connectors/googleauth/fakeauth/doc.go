// Package fakeauth owns the parts of a Google API fake that every Google
// API shares, so that the fake Directory and the fake Classroom answer
// alike: service accounts with RSA keys and their JSON key files, Google's
// OAuth 2.0 token endpoint for the service-account JWT bearer grant, the
// bearer-token check in front of every API call, and the JSON error bodies
// (and the HTML 502 page) Google's front end answers with.
//
// Reproduced behaviour (../../../shared/VENDOR-FACTS.md, "Google Admin SDK
// Directory API", which documents the delegation flow for both APIs):
//
//   - POST <token URL> with grant_type
//     urn:ietf:params:oauth:grant-type:jwt-bearer; the RS256 assertion is
//     checked against the registered account's public key, then iss, sub
//     (a user the API's fake knows), aud (the token URL), iat/exp (at most
//     one hour apart, not expired) and scope (only scopes granted to the
//     account's domain-wide delegation). Refusals are 400 with
//     {"error","error_description"}: invalid_grant (bad signature, unknown
//     account or subject, bad times, wrong audience), unauthorized_client
//     (a scope not granted), invalid_scope (none asked), and
//     unsupported_grant_type.
//   - Issued tokens carry exactly the scopes asked for, so an API can
//     answer by scope: 401 UNAUTHENTICATED (authError, with a
//     WWW-Authenticate challenge) without a live token, 403
//     PERMISSION_DENIED insufficientPermissions without a needed scope.
//   - JWT segments are accepted with or without base64 '=' padding:
//     google-auth-python 1.5.1 (Debian) pads them and Google accepts it.
//   - Error bodies {"error":{"code","message","errors":[{"message",
//     "domain","reason"}],"status"}}, Retry-After in whole seconds on rate
//     limits, and a 502 answered with an HTML page as Google's front end
//     does.
//
// It also holds what the Google fakes' tests share: the token endpoint's
// fidelity table (FIDELITY.md) and the Recording that serves a fake
// through fidelity recorders, the discovery documents of
// google.golang.org/api found in the module cache (Discovery), and the
// way to Google's Python client (PythonClient).
package fakeauth
