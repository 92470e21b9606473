package googledirectory

import "github.com/rollcall-sync/rollcall/connectors/googleauth"

// Retry reasons reported to the upstream observer (retries live in
// connectors/googleauth, shared with the other Google connectors).
const (
	reasonRateLimit   = googleauth.ReasonRateLimit
	reasonServerError = googleauth.ReasonServerError
	reasonNetwork     = googleauth.ReasonNetwork
)
