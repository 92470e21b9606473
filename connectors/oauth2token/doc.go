// Package oauth2token owns the OAuth 2 access tokens connectors send as
// bearer tokens, once for every vendor: a cache that hands out one token
// until it expires or the vendor refuses it (Cached), a client-credentials
// grant on golang.org/x/oauth2/clientcredentials (ClientCredentials), and a
// refresh-token grant whose refresh token rotates on every use (Rotating),
// as D2L Brightspace's does.
//
// A rotating refresh token is the only key to the vendor: the grant that
// spends it returns the next one, and the spent one is dead. Rotating
// therefore writes the new refresh token to its TokenFile (0600, a temporary
// file fsynced and renamed over the old one, then the folder fsynced)
// before it hands out the access token that came with it. A crash at any
// point leaves either the old file (the grant never reached the vendor, or
// its answer was lost before the rename) or the new one; never a torn file
// and never a file that names a spent token while the new one is lost.
// Where the answer was lost after the vendor rotated, the admin must
// authorize again; nothing a client can do avoids that window, and it is
// as small as one request.
//
// The file remembers a digest of the refresh token the config file gave
// (the seed): when an admin pastes a new refresh token into the config, the
// digests differ and the config's token wins over the file's.
package oauth2token
