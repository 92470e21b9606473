// Package schedule owns when syncs run: one job per deployment on a cron
// spec or an @every interval in its own time zone (robfig/cron/v3), with no
// two runs of one job at once, a random start jitter, recovery from a
// panicking run, a catch-up run at start for jobs whose last success is
// older than their interval, and a Stop that lets running jobs finish
// within a caller's deadline.
//
// It knows nothing of deployments or sync state: the engine gives it a
// function per job and a way to read the last success.
package schedule
