package oneroster

import "github.com/rollcall-sync/rollcall/connectors/httpretry"

// Clock is the time retries see: Now bounds the total time, Sleep waits
// between attempts and returns early with ctx's error. Tests pass a clock
// whose Sleep only advances Now.
type Clock = httpretry.Clock

// Retry bounds the retries of one request (REST) or one bundle read (CSV).
type Retry = httpretry.Retry

// The REST retries are httpretry.Transport with httpretry.Standard: 429
// with Retry-After, any 5xx and network errors (a body cut short among
// them). OneRoster servers send no "slow down" body of their own: a 403
// is a refusal, and imsx error bodies are read for the message only.
