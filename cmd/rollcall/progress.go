package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressRows is the row count above which an import on a terminal shows
// a progress bar; smaller files finish before a bar would help.
const progressRows = 5000

// importInput is a CSV file read whole (the import checks every row before
// changing anything, so it holds them all anyway).
type importInput struct {
	name string // file name for messages; "stdin" for -
	data []byte
	rows int // lines, a header included
}

// readImportInput reads FILE, or stdin for "-".
func (a *app) readImportInput(file string) (*importInput, error) {
	in := &importInput{name: file}
	var err error
	if file == "-" {
		in.name = "stdin"
		in.data, err = io.ReadAll(a.stdin)
	} else {
		in.data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", in.name, err)
	}
	in.rows = bytes.Count(in.data, []byte{'\n'})
	if len(in.data) > 0 && in.data[len(in.data)-1] != '\n' {
		in.rows++
	}
	return in, nil
}

// reader returns the file's contents, drawing a progress bar on stderr as
// they are read when stderr is a terminal and the file is large. done
// finishes the bar.
func (a *app) reader(in *importInput) (r io.Reader, done func()) {
	r = bytes.NewReader(in.data)
	if in.rows <= progressRows || a.jsonOut || !isTerminal(a.stderr) {
		return r, func() {}
	}
	return progressReader(a.stderr, r, int64(len(in.data)), fmt.Sprintf("checking %d rows of %s", in.rows, in.name))
}

// progressReader wraps r so that reading it advances a bar of size bytes
// drawn on w.
func progressReader(w io.Writer, r io.Reader, size int64, desc string) (io.Reader, func()) {
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), // redraws are not free over ssh
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	pr := progressbar.NewReader(r, bar)
	return &pr, func() { _ = bar.Finish() }
}
