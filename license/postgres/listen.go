package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// feedChannel is the PostgreSQL notification channel every commit that
// adds to the feed notifies (pg_notify in the same transaction, so it is
// delivered at the commit, and only if there is one). FeedChanged listens
// on it, so a long poll served by one process wakes at another's commits.
const feedChannel = "rollcall_feed"

// listener holds one pooled connection LISTENing on feedChannel, from the
// first FeedChanged call until Close.
type listener struct {
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// listen starts the listener unless it runs. The first LISTEN is made
// before it returns, so a caller that reads the feed after FeedChanged
// misses no commit of another process; when it cannot be made, FeedChanged
// still wakes at this process's commits and the next call tries again.
// s.feedMu is held.
func (s *Store) listen() {
	if s.lis.started || s.closed {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := s.acquireListen(ctx)
	if err != nil {
		cancel()
		s.log.Warn("change feed: cannot listen for other processes' commits", slog.Any("error", err))
		return
	}
	s.lis = listener{started: true, cancel: cancel, done: make(chan struct{})}
	go s.listenLoop(ctx, conn, s.lis.done)
}

func (s *Store) acquireListen(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := s.pool.Acquire(actx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(actx, "LISTEN "+feedChannel); err != nil {
		conn.Release()
		return nil, err
	}
	return conn, nil
}

// listenLoop wakes FeedChanged waiters at each notification until ctx
// ends. A lost connection is replaced, waking waiters once (they re-read
// the feed, so nothing committed meanwhile is missed).
func (s *Store) listenLoop(ctx context.Context, conn *pgxpool.Conn, done chan struct{}) {
	defer close(done)
	backoff := 100 * time.Millisecond
	for {
		if conn == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			var err error
			if conn, err = s.acquireListen(ctx); err != nil {
				backoff = min(2*backoff, 10*time.Second)
				continue
			}
			backoff = 100 * time.Millisecond
			s.feedNotify()
		}
		_, err := conn.Conn().WaitForNotification(ctx)
		if err == nil {
			s.feedNotify()
			continue
		}
		// The connection may be mid-wait: never hand it back to the pool.
		_ = conn.Hijack().Close(context.Background())
		conn = nil
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("change feed: listen connection lost; reconnecting", slog.Any("error", err))
	}
}

// stopListening ends the listener and waits for it.
func (s *Store) stopListening() {
	s.feedMu.Lock()
	s.closed = true
	l := s.lis
	s.feedMu.Unlock()
	if l.started {
		l.cancel()
		<-l.done
	}
}
