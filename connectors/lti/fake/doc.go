// Package fake serves a faithful fake LTI 1.3 platform (an LMS seen from
// a tool) over httptest, for the lti connector's tests, the launch tests,
// the browser test and the demo. It owns the platform's signing keys (with
// rotation), the tools registered with it, its courses and their members,
// and its fault switches. FIDELITY.md beside it lists every endpoint,
// parameter, field, header and status it serves with the specification or
// vendor document it comes from; tests hold the fake to it through
// connectors/fidelity (Options.Fidelity).
//
// Reproduced behaviour (1EdTech LTI 1.3 core, Security Framework 1.0, NRPS
// 2.0; Canvas's LTI endpoints for the paths):
//
//   - A course page with a launch link that starts third-party initiated
//     login at the tool (iss, login_hint, target_link_uri,
//     lti_message_hint, client_id, lti_deployment_id).
//   - The OIDC authorization endpoint (GET or POST): checks client_id,
//     redirect_uri against the tool's registration, response_type
//     id_token, scope openid, response_mode form_post, prompt none and a
//     nonce, then answers an HTML form that posts id_token and state to
//     the tool, the id_token signed RS256 with the platform's current key
//     (kid in the header) and carrying the LTI claims (message type,
//     version, deployment id, context, roles, NRPS endpoint).
//   - Its JWKS, which keeps a rotated-out key until told to drop it.
//   - The token endpoint: client_credentials with an RFC 7523 client
//     assertion, verified against the tool's JWKS (by URL or given keys):
//     RS256, iss = sub = client id, aud the token URL, not expired, a jti
//     never seen before; errors per RFC 6749 as JSON.
//   - NRPS 2.0 memberships: bearer token with the contextmembership scope,
//     limit (default 10, at most 100), role filter, Link rel="next" with
//     an opaque page, the membership container media type; members with
//     status Active, Inactive or Deleted or none (meaning Active), no
//     email where privacy hides it, roles in long and short forms,
//     teaching assistants, mentors (parents), institution roles beside
//     context roles.
package fake
