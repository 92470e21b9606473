package connectors

import "errors"

// ErrCredentials marks a source that refused the connector's credentials
// (a revoked token, a deleted service account). Retrying cannot help, so
// the engine quarantines the deployment at once. An error type may say the
// same with a method Credentials() bool.
var ErrCredentials = errors.New("the source refused the credentials")
