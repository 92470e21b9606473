package main

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// proc is a long-running rollcall process (serve, demo) of a test: its
// stdout comes line by line, its stderr is kept for failure messages.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *syncBuffer
	done   chan error
}

// startProc starts rollcall with args against the env's data directory.
// It is stopped with SIGTERM (then killed) when the test ends, unless the
// test stopped it already.
func (e *env) startProc(args ...string) *proc {
	t := e.t
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--data-dir", e.dataDir}, args...)...)
	cmd.Env = append(os.Environ(), "ROLLCALL_DATA_DIR=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan string, 1024), stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody reads that far; never block the process
			}
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	return p
}

// waitLine returns the submatches of the first stdout line matching re,
// failing the test if none comes within limit.
func (p *proc) waitLine(t *testing.T, re *regexp.Regexp, limit time.Duration) []string {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("rollcall exited before printing a line matching %q; stderr:\n%s", re, p.stderr.String())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %q within %s; stderr:\n%s", re, limit, p.stderr.String())
		}
	}
}

// stop sends SIGTERM and requires a clean exit within limit.
func (p *proc) stop(t *testing.T, limit time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("rollcall exited with %v after SIGTERM; stderr:\n%s", err, p.stderr.String())
		}
	case <-time.After(limit):
		t.Fatalf("rollcall did not exit within %s of SIGTERM; stderr:\n%s", limit, p.stderr.String())
	}
}
