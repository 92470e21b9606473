package googledirectory

import (
	"errors"

	"github.com/rollcall-sync/rollcall/connectors/googleauth"
)

// ErrUnknownOrgUnit marks a selection naming an org unit that does not exist.
var ErrUnknownOrgUnit = errors.New("org unit does not exist")

// APIError is a call to Google that failed for good: after the retries, or
// at once for an answer not worth retrying. Its text names the connector,
// the call and Google's own message.
type APIError = googleauth.APIError

// wrap turns an error from the client into one that names the connector
// and the call; context errors and emit errors keep their identity.
func (c *Connector) wrap(call string, err error) error {
	return googleauth.Wrap(Type, c.name, call, err)
}
