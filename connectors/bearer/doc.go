// Package bearer owns the GET every OAuth 2 vendor connector (Canvas,
// Blackboard Learn, Brightspace, Clever) sends the same way: the access
// token from an oauth2token.Source as the bearer, JSON asked for, the
// answer read whole, and a refused token (401) renewed once before the
// 401 is believed. What an answer means (which statuses, which error
// body, rate-limit headers, pacing) stays in each vendor's package.
package bearer
