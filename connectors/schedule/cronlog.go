package schedule

import "log/slog"

// cronLogger passes robfig/cron's own messages to slog: its routine ones
// (every wake-up and firing) at debug level, its errors as errors.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
